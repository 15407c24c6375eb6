package security

// Slow and dead peers (issue 4, item 4): a group member that never reads
// while its group gets 10,000 messages, a client killed in the middle of a
// frame, and a half-open connection. Rows of docs/SECURITY.md.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

const secFlood = "/_/service/hostile/flood"

// secFloodMember joins the flood group and returns the client and its id.
func secFloodMember(t *testing.T, s *harness.Server, tag string, o harness.WSOpts) (*harness.WS, string) {
	t.Helper()
	c := harness.DialWS(t, s, secFlood+"?tag="+tag, o)
	c.Name = tag
	id, ok := strings.CutPrefix(c.ReadText(), "ready:")
	if !ok {
		t.Fatalf("%s: no ready message", tag)
	}
	return c, id
}

// secSeq is the sequence number n of a flood message "<n>:xxx…".
func secSeq(m wstest.Message) (int, bool) {
	head, _, ok := strings.Cut(string(m.Payload[:min(len(m.Payload), 16)]), ":")
	if !ok || m.OpCode != ws.OpText {
		return 0, false
	}
	n, err := strconv.Atoi(head)
	return n, err == nil
}

// TestSecuritySlowMember: three members of a group; one never reads. The
// group receives 10,000 messages of 4 KiB (40 MiB per member), in bursts of
// 50 (200 KiB, a fifth of the default --ws-max-backlog of 1 MiB), each sent
// once the first reader has every message of the one before. The two
// readers get all 10,000 in order, no burst waiting on the silent one; the
// silent one is closed 1008 (its close event runs with 1008) once its
// backlog passes --ws-max-backlog; the server's RSS stays within 48 MiB of
// what it was before the flood — the silent member alone would have pinned
// 40 MiB of frames if its queue were unbounded.
func TestSecuritySlowMember(t *testing.T) {
	t.Parallel()
	secSlowMember(t)
}

// TestSecuritySlowMemberTightBacklog is the same flood with
// --ws-max-backlog 256 KiB, so that a burst (200 KiB) is 78% of it. A
// reader that has received every earlier message has nothing queued when
// a burst starts, so it must not be cut off either.
func TestSecuritySlowMemberTightBacklog(t *testing.T) {
	t.Parallel()
	secSlowMember(t, "--ws-max-backlog", fmt.Sprint(256<<10))
}

func secSlowMember(t *testing.T, args ...string) {
	const (
		total = 10_000
		burst = 50
		size  = 4096
	)
	// What the peers can make the server hold, plus the garbage the heap
	// floor lets build up before a collection (--gc-heap-floor, 64 MiB by
	// default). Under the race detector the floor is off: the detector's
	// shadow of that garbage stays resident, and the figure would measure
	// the detector.
	rssGrowth := int64(48*secMiB + 64*secMiB)
	if harness.RaceEnabled {
		rssGrowth = 48 * secMiB
		args = append(args, "--gc-heap-floor", "0")
	}
	s := duplex.Start(t, append([]string{"--app", harness.App("hostile"), "--js-workers", "2"}, args...)...)
	driver, _ := secFloodMember(t, s, "fast1", harness.WSOpts{})
	other, _ := secFloodMember(t, s, "fast2", harness.WSOpts{})
	silent, silentID := secFloodMember(t, s, "silent", harness.WSOpts{NoPong: true})
	driver.SendText("size")
	driver.ExpectText("size:3")
	// Warm-up burst, read by everyone, so that the baseline includes the
	// runtime's and the buffers' steady state.
	driver.SendText(fmt.Sprintf("burst:%d:%d:%d", -burst, burst, size))
	for _, c := range []*harness.WS{driver, other, silent} {
		for range burst {
			c.Read(harness.Wait)
		}
	}
	base := secRSS(t, s)

	// The second reader reads on its own goroutine and checks the order;
	// a burst starts once both readers have every message of the last one.
	otherDone := make(chan error, 1)
	otherBursts := make(chan struct{}, total/burst)
	go func() {
		for want := 0; want < total; want++ {
			m, err := other.Next(harness.Wait)
			if err != nil {
				otherDone <- fmt.Errorf("fast2, a reader that keeps up: message %d: %v", want, err)
				return
			}
			if n, ok := secSeq(m); !ok || n != want || len(m.Payload) != size {
				otherDone <- fmt.Errorf("fast2: got %q… (%d bytes), want message %d of %d bytes", harness.Trunc(string(m.Payload[:min(20, len(m.Payload))])), len(m.Payload), want, size)
				return
			}
			if (want+1)%burst == 0 {
				otherBursts <- struct{}{}
			}
		}
		otherDone <- nil
	}()

	start := time.Now()
	var maxRSS int64
	var slowestBurst time.Duration
	for from := 0; from < total; from += burst {
		t0 := time.Now()
		driver.SendText(fmt.Sprintf("burst:%d:%d:%d", from, burst, size))
		for want := from; want < from+burst; want++ {
			m, err := driver.Next(harness.Wait)
			if err != nil {
				t.Fatalf("fast1, a reader that keeps up: message %d: %v (%v into its burst, %v into the flood); log:\n%s", want, err, time.Since(t0), time.Since(start), harness.Tail(s.Stderr(), 3000))
			}
			if n, ok := secSeq(m); !ok || n != want || len(m.Payload) != size {
				t.Fatalf("fast1: got %q… (%d bytes), want message %d of %d bytes", harness.Trunc(string(m.Payload[:min(20, len(m.Payload))])), len(m.Payload), want, size)
			}
		}
		select {
		case <-otherBursts:
		case err := <-otherDone:
			if err != nil {
				t.Fatal(err)
			}
			otherDone <- nil // finished: the last burst is in
		}
		slowestBurst = max(slowestBurst, time.Since(t0))
		if (from/burst)%10 == 0 {
			maxRSS = max(maxRSS, secRSS(t, s))
		}
	}
	if err := <-otherDone; err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	maxRSS = max(maxRSS, secRSS(t, s))
	t.Logf("%d messages of %d B to each reader in %v (%.0f msg/s); slowest burst of %d: %v; RSS %d MiB before, at most %d MiB during",
		total, size, elapsed, float64(total)/elapsed.Seconds(), burst, slowestBurst, base/secMiB, maxRSS/secMiB)
	if slowestBurst > 3*time.Second {
		t.Errorf("a burst of %d messages took %v to reach a reader: the readers waited on the silent member", burst, slowestBurst)
	}
	if maxRSS > base+rssGrowth {
		t.Errorf("server RSS grew from %d MiB to %d MiB during the flood, want at most +%d MiB", base/secMiB, maxRSS/secMiB, rssGrowth/secMiB)
	}

	ev := harness.WaitJSONLog(t, s, "fev", func(m map[string]any) bool { return m["id"] == silentID && m["type"] == "close" }, harness.Wait)
	if ev["closeReason"] != float64(1008) {
		t.Errorf("the silent member's close event: closeReason %v, want 1008", ev["closeReason"])
	}
	driver.SendText("size")
	driver.ExpectText("size:2")

	// What the silent member finds when it finally reads: part of the flood,
	// then a close frame 1008 (or the end of the connection, if the server
	// had to give up writing to it), never all of it.
	silent.Name = "the silent member"
	got := silent.CutOff(1008, func(m wstest.Message) bool { _, ok := secSeq(m); return ok })
	if got >= total {
		t.Errorf("the silent member received all %d messages; it should have been cut off", got)
	}
	t.Logf("the silent member had %d messages delivered before it was cut off", got)
}

// TestSecurityDeadPeers: a client killed in the middle of a frame (FIN, or
// RST) is detected by the read error and its close event runs with 1006;
// a half-open peer (it neither reads nor answers pings, which is what a
// peer behind a dead link looks like to the server) is detected by missed
// pongs: its close event runs with 1001 after --ws-idle-timeout.
func TestSecurityDeadPeers(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	s := duplex.Start(t, "--app", harness.App("hostile"), "--ws-ping-interval", "200ms", "--ws-idle-timeout", idle.String())

	for _, rst := range []bool{false, true} {
		name := map[bool]string{false: "killed mid-message (FIN)", true: "killed mid-message (RST)"}[rst]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, id := secOpen(t, s, "?tag="+strings.ReplaceAll(name, " ", "_"))
			secEcho(t, c, "hello")
			killed := time.Now()
			secKill(t, c, ws.OpText, 1000, rst)
			ev := secWaitHev(t, s, id, "close", harness.Wait)
			if ev["closeReason"] != float64(1006) {
				t.Errorf("close event of the killed client: closeReason %v, want 1006", ev["closeReason"])
			}
			// Found by the read error, not by the 1 s idle timeout.
			if el := time.Since(killed); el > idle*8/10 {
				t.Errorf("the killed client's close event ran %v after the kill; the read error should have been seen at once", el)
			}
		})
	}

	t.Run("half-open", func(t *testing.T) {
		t.Parallel()
		r, conn := harness.RawHandshake(t, s, "GET", secProbe+"?tag=halfopen", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
		if r.Status != 101 {
			t.Fatalf("handshake: %d", r.Status)
		}
		opened := time.Now()
		isHalfOpen := func(typ string) func(map[string]any) bool {
			return func(m map[string]any) bool { return m["tag"] == "halfopen" && m["type"] == typ }
		}
		// Nothing is read or sent from here until the server gives up.
		ev := harness.WaitJSONLog(t, s, "hev", isHalfOpen("close"), harness.Wait)
		el := time.Since(opened)
		if ev["closeReason"] != float64(1001) {
			t.Errorf("close event of the half-open peer: closeReason %v, want 1001", ev["closeReason"])
		}
		if el < idle*8/10 || el > 8*idle {
			t.Errorf("half-open peer closed after %v, want about --ws-idle-timeout %v", el, idle)
		}
		if e := harness.JSONLogs(s, "hev"); !func() bool {
			for _, m := range e {
				if isHalfOpen("error")(m) && strings.Contains(fmt.Sprint(m["error"]), "idle") {
					return true
				}
			}
			return false
		}() {
			t.Errorf("no error event naming the idle timeout for the half-open peer")
		}
		// What the server had sent, still in our receive buffer: the
		// greeting, pings that were never answered, and close 1001.
		ops, code, err := secReadAll(conn, harness.Wait)
		pings := 0
		for _, op := range ops {
			if op == ws.OpPing {
				pings++
			}
		}
		if pings == 0 {
			t.Errorf("the server never pinged the silent peer (frames %v, %v)", ops, err)
		}
		if code != 1001 {
			t.Errorf("close frame sent to the half-open peer: %d (frames %v, %v), want 1001", code, ops, err)
		}
	})
}
