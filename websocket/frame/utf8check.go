package frame

// utf8Stream validates UTF-8 that arrives in pieces. It rejects a sequence
// at its first impossible byte, not when the sequence or the message ends:
// a peer that sends invalid text is failed as soon as the bytes arrive
// (Autobahn 6.4.x, strict).
type utf8Stream struct {
	need int  // continuation bytes still expected
	lo   byte // allowed range of the next continuation byte
	hi   byte
}

// write reports false at the first byte that cannot be part of valid UTF-8.
func (u *utf8Stream) write(p []byte) bool {
	i := 0
	for i < len(p) {
		if u.need == 0 {
			// Fast path over ASCII, eight bytes at a time would be faster
			// still, but messages are mostly short.
			for i < len(p) && p[i] < 0x80 {
				i++
			}
			if i == len(p) {
				return true
			}
			c := p[i]
			i++
			switch {
			case c >= 0xc2 && c <= 0xdf:
				u.need, u.lo, u.hi = 1, 0x80, 0xbf
			case c == 0xe0:
				u.need, u.lo, u.hi = 2, 0xa0, 0xbf
			case c >= 0xe1 && c <= 0xec, c == 0xee, c == 0xef:
				u.need, u.lo, u.hi = 2, 0x80, 0xbf
			case c == 0xed: // no UTF-16 surrogates
				u.need, u.lo, u.hi = 2, 0x80, 0x9f
			case c == 0xf0:
				u.need, u.lo, u.hi = 3, 0x90, 0xbf
			case c >= 0xf1 && c <= 0xf3:
				u.need, u.lo, u.hi = 3, 0x80, 0xbf
			case c == 0xf4: // nothing above U+10FFFF
				u.need, u.lo, u.hi = 3, 0x80, 0x8f
			default:
				return false
			}
			continue
		}
		c := p[i]
		if c < u.lo || c > u.hi {
			return false
		}
		i++
		u.need--
		u.lo, u.hi = 0x80, 0xbf
	}
	return true
}

// complete reports whether the text ended on a character boundary.
func (u *utf8Stream) complete() bool { return u.need == 0 }
