package frame

import (
	"errors"
	"testing"

	"github.com/gobwas/ws"
)

// Each close payload a peer may send maps to the peer's close or to the
// error that makes it invalid (RFC 6455 §5.5.1, §7.4; Autobahn 7.x).
func TestParseClose(t *testing.T) {
	var pe ws.ProtocolError
	if err := ParseClose([]byte{0x03}); !errors.As(err, &pe) {
		t.Errorf("one byte: %v, want a protocol error", err)
	}
	if err := ParseClose([]byte{0x03, 0xe8, 0xce, 0xba, 0xed, 0xa0, 0x80}); err != ErrCloseReasonUTF8 {
		t.Errorf("invalid reason: %v", err)
	}
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535} {
		if err := ParseClose([]byte{byte(code >> 8), byte(code)}); err != ws.ErrProtocolStatusCodeUnknown {
			t.Errorf("code %d: %v", code, err)
		}
		if SendableCode(code) {
			t.Errorf("code %d sendable", code)
		}
	}
	for _, code := range []int{1000, 1003, 1007, 1012, 1014, 3000, 4999} {
		var pc *PeerClose
		if err := ParseClose([]byte{byte(code >> 8), byte(code), 'o', 'k'}); !errors.As(err, &pc) || pc.Code != code || pc.Echo() != code {
			t.Errorf("code %d: %v", code, err)
		}
	}
	var pc *PeerClose
	if err := ParseClose(nil); !errors.As(err, &pc) || pc.Code != StatusNoStatus || pc.Echo() != 0 {
		t.Errorf("empty: %v, want 1005 answered with an empty close", err)
	}
}
