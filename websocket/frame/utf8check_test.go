package frame

import (
	"testing"
	"unicode/utf8"
)

// FuzzUTF8Stream: fed in two pieces split anywhere, the streaming check
// agrees with utf8.Valid, and it fails at the first impossible byte: a
// prefix it accepts can always be completed into valid UTF-8.
func FuzzUTF8Stream(f *testing.F) {
	for _, s := range []string{"κόσμε", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xc3", "\xe0\x80\xaf", "\xf0\x9f\x98\x80x"} {
		f.Add([]byte(s), 1)
	}
	f.Fuzz(func(t *testing.T, p []byte, cut int) {
		if cut < 0 || cut > len(p) {
			cut = len(p) / 2
		}
		var u utf8Stream
		ok := u.write(p[:cut]) && u.write(p[cut:]) && u.complete()
		if ok != utf8.Valid(p) {
			t.Fatalf("%q split at %d: stream says %v, utf8.Valid %v", p, cut, ok, utf8.Valid(p))
		}
		var v utf8Stream
		for i := range p {
			if !v.write(p[i : i+1]) {
				// p[:i] was accepted; with p[i] it cannot be valid
				// whatever follows, so utf8.Valid of p[:i+1] plus any
				// completion is false: check the cheapest witness.
				if utf8.Valid(p[:i+1]) {
					t.Fatalf("%q: rejected at byte %d, but the prefix is valid", p, i)
				}
				break
			}
		}
	})
}
