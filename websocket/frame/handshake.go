package frame

import (
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
)

// acceptGUID is RFC 6455's constant for Sec-WebSocket-Accept (§1.3).
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Refusal is how a bad opening handshake is answered.
type Refusal struct {
	Status int
	Reason string
}

// IsUpgradeRequest reports a WebSocket opening handshake (RFC 6455 §4.2.1)
// the way Jetty does for XP's req.webSocket: GET over HTTP/1.1 with
// Upgrade: websocket, a Connection token "upgrade" and a 16-byte key. The
// version is checked separately so the caller can answer 426.
func IsUpgradeRequest(r *http.Request) bool {
	return r.Method == http.MethodGet && r.ProtoMajor == 1 && r.ProtoMinor == 1 &&
		upgradesToWebSocket(r.Header) && hasToken(r.Header.Values("Connection"), "upgrade") && validKey(r.Header)
}

// CheckHandshake validates an opening handshake as RFC 6455 §4.2.1 asks
// and picks the subprotocol: the client's first offer that the server
// lists. A refusal is answered over HTTP, before anything is hijacked.
func CheckHandshake(r *http.Request, serverProtocols []string) (protocol string, bad *Refusal) {
	switch {
	case r.Method != http.MethodGet:
		return "", &Refusal{http.StatusMethodNotAllowed, "a WebSocket handshake is a GET"}
	case r.ProtoMajor != 1 || r.ProtoMinor < 1:
		return "", &Refusal{http.StatusHTTPVersionNotSupported, "a WebSocket handshake needs HTTP/1.1"}
	case r.Host == "":
		return "", &Refusal{http.StatusBadRequest, "missing Host"}
	case !upgradesToWebSocket(r.Header):
		return "", &Refusal{http.StatusBadRequest, "missing Upgrade: websocket"}
	case !hasToken(r.Header.Values("Connection"), "upgrade"):
		return "", &Refusal{http.StatusBadRequest, "missing Connection: Upgrade"}
	case !validKey(r.Header):
		return "", &Refusal{http.StatusBadRequest, "bad Sec-WebSocket-Key"}
	}
	switch v := r.Header.Get("Sec-WebSocket-Version"); v {
	case "13":
	case "":
		return "", &Refusal{http.StatusBadRequest, "missing Sec-WebSocket-Version"}
	default:
		return "", &Refusal{http.StatusUpgradeRequired, "unsupported WebSocket version"}
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

func upgradesToWebSocket(h http.Header) bool {
	return strings.EqualFold(strings.TrimSpace(h.Get("Upgrade")), "websocket")
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func validKey(h http.Header) bool {
	key, err := base64.StdEncoding.DecodeString(h.Get("Sec-WebSocket-Key"))
	return err == nil && len(key) == 16
}

// VersionSupported reports Sec-WebSocket-Version: 13, the only version of
// RFC 6455.
func VersionSupported(r *http.Request) bool {
	return r.Header.Get("Sec-WebSocket-Version") == "13"
}

// RejectVersion answers an unsupported version as RFC 6455 §4.4 asks: 426
// naming the version we speak.
func RejectVersion(w http.ResponseWriter) {
	w.Header().Set("Sec-WebSocket-Version", "13")
	http.Error(w, "unsupported WebSocket version", http.StatusUpgradeRequired)
}

// Answer sends the refusal over HTTP: a 426 names the version we speak, a
// 405 the one method a handshake may use.
func (b *Refusal) Answer(w http.ResponseWriter) {
	if b.Status == http.StatusUpgradeRequired {
		RejectVersion(w)
		return
	}
	if b.Status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodGet)
	}
	http.Error(w, b.Reason, b.Status)
}

// UpgradeResponse is the 101 for key. It is not written on its own: it
// waits in the new session's write queue for the frames the open event
// sends, so that the handshake and the first messages leave in one write.
func UpgradeResponse(key, protocol string) []byte {
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
