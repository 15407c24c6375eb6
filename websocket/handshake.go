package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
)

// acceptGUID is RFC 6455's constant for Sec-WebSocket-Accept (§1.3).
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// refusal is how a bad opening handshake is answered.
type refusal struct {
	status int
	reason string
}

// checkHandshake validates an opening handshake as RFC 6455 §4.2.1 asks
// and picks the subprotocol: the client's first offer that the server
// lists. A refusal is answered over HTTP, before anything is hijacked.
func checkHandshake(r *http.Request, serverProtocols []string) (protocol string, bad *refusal) {
	switch {
	case r.Method != http.MethodGet:
		return "", &refusal{http.StatusMethodNotAllowed, "a WebSocket handshake is a GET"}
	case r.ProtoMajor != 1 || r.ProtoMinor < 1:
		return "", &refusal{http.StatusHTTPVersionNotSupported, "a WebSocket handshake needs HTTP/1.1"}
	case r.Host == "":
		return "", &refusal{http.StatusBadRequest, "missing Host"}
	case !strings.EqualFold(strings.TrimSpace(r.Header.Get("Upgrade")), "websocket"):
		return "", &refusal{http.StatusBadRequest, "missing Upgrade: websocket"}
	case !hasToken(r.Header.Values("Connection"), "upgrade"):
		return "", &refusal{http.StatusBadRequest, "missing Connection: Upgrade"}
	}
	if key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key")); err != nil || len(key) != 16 {
		return "", &refusal{http.StatusBadRequest, "bad Sec-WebSocket-Key"}
	}
	switch v := r.Header.Get("Sec-WebSocket-Version"); v {
	case "13":
	case "":
		return "", &refusal{http.StatusBadRequest, "missing Sec-WebSocket-Version"}
	default:
		return "", &refusal{http.StatusUpgradeRequired, "unsupported WebSocket version"}
	}
	if len(serverProtocols) == 0 {
		return "", nil
	}
	for _, list := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(list, ",") {
			if p = strings.TrimSpace(p); slices.Contains(serverProtocols, p) {
				return p, nil
			}
		}
	}
	return "", nil
}

func (b *refusal) answer(w http.ResponseWriter) {
	if b.status == http.StatusUpgradeRequired {
		RejectVersion(w)
		return
	}
	if b.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodGet)
	}
	http.Error(w, b.reason, b.status)
}

// upgradeResponse is the 101 for key. It is not written on its own: it
// waits in the new session's write queue for the frames the open event
// sends, so that the handshake and the first messages leave in one write.
func upgradeResponse(key, protocol string) []byte {
	sum := sha1.Sum([]byte(key + acceptGUID))
	b := make([]byte, 0, 160)
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	b = base64.StdEncoding.AppendEncode(b, sum[:])
	b = append(b, "\r\n"...)
	if protocol != "" {
		b = append(b, "Sec-WebSocket-Protocol: "...)
		b = append(b, protocol...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}
