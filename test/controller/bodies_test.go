package controller

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"duplex/test/harness"
)

// TestJSONBodiesConcurrent: JSON answers are serialized into buffers the
// engine reuses once an answer is written. Many clients at once, on two
// runtimes, each answer of its own length, must each get exactly their
// own answer: a buffer given back before net/http had copied it out, or
// handed to two requests, shows as another request's bytes, and in the
// -race build the detector reports the overlap (22 races when the buffer
// was given back before the write, tried).
func TestJSONBodiesConcurrent(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "2")
	const clients, each = 16, 40
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("%d-%d", c, i)
				pad := strings.Repeat("x", (c*each+i)%700)
				res, err := http.Get(s.URL + "/_/service/myapp/echo?id=" + id + "&pad=" + pad)
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil {
					errs <- err
					return
				}
				var m struct {
					Params map[string]string `json:"params"`
				}
				if err := json.Unmarshal(body, &m); err != nil || m.Params["id"] != id || m.Params["pad"] != pad {
					errs <- fmt.Errorf("request %s: got %.200q (%v)", id, body, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
