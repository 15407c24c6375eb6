package frame

import (
	"encoding/binary"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// Sink receives what the parser makes of the bytes it is fed.
type Sink interface {
	// Payload appends a piece of the current data message.
	Payload(p []byte)
	// MessageEnd completes the current data message.
	MessageEnd(binary bool) error
	// Control handles a complete control frame; a close frame ends the
	// stream with the error it returns.
	Control(op ws.OpCode, p []byte) error
}

// Parser turns the bytes a client sends into messages and control frames,
// incrementally: it keeps only the state of the frame in progress between
// reads, so that a connection with nothing to read holds no buffer. Every
// check happens as early as the bytes allow: a frame header that announces
// too much is refused before any payload arrives, and invalid text fails at
// its first bad byte.
type Parser struct {
	maxMessage int64

	hdr  [14]byte // the header being collected
	hlen int      // bytes of hdr collected
	need int      // header length once known from the second byte; 0 before

	inFrame   bool
	op        ws.OpCode
	fin       bool
	mask      [4]byte
	maskPos   int
	remaining int64

	msgOp  ws.OpCode // opcode of the data message in progress; 0 if none
	msgLen int64
	text   utf8Stream

	ctl    [ws.MaxControlFramePayloadSize]byte
	ctlLen int
}

// Reset readies ps for a new stream whose messages may hold up to
// maxMessage bytes: parsers are pooled, and go from one connection to the
// next.
func (ps *Parser) Reset(maxMessage int64) { *ps = Parser{maxMessage: maxMessage} }

// Idle reports a parser between frames and messages, whose state is the
// zero value: a session gives it back to the pool then.
func (ps *Parser) Idle() bool { return !ps.inFrame && ps.hlen == 0 && ps.msgOp == 0 }

// Feed consumes p (which it unmasks in place) and reports the first
// protocol error, or the close frame's error, after which the stream is
// over.
func (ps *Parser) Feed(p []byte, sink Sink) error {
	for len(p) > 0 {
		if !ps.inFrame {
			n, err := ps.header(p)
			if err != nil {
				return err
			}
			p = p[n:]
			if !ps.inFrame {
				return nil // header incomplete: wait for more bytes
			}
			if ps.remaining == 0 {
				if err := ps.frameEnd(sink); err != nil {
					return err
				}
			}
			continue
		}
		n := int(min(int64(len(p)), ps.remaining))
		chunk := p[:n]
		p = p[n:]
		ps.unmask(chunk)
		ps.remaining -= int64(n)
		if ps.op.IsControl() {
			ps.ctlLen += copy(ps.ctl[ps.ctlLen:], chunk)
		} else {
			if ps.msgOp == ws.OpText && !ps.text.write(chunk) {
				return wsutil.ErrInvalidUTF8
			}
			sink.Payload(chunk)
		}
		if ps.remaining == 0 {
			if err := ps.frameEnd(sink); err != nil {
				return err
			}
		}
	}
	return nil
}

// header collects header bytes from p, returning how many it used. The
// first two bytes are checked as soon as they arrive (an unmasked frame has
// no key to wait for); once the header is complete, the frame begins.
func (ps *Parser) header(p []byte) (int, error) {
	used := 0
	for len(p) > used {
		want := 2
		if ps.need > 0 {
			want = ps.need
		}
		n := copy(ps.hdr[ps.hlen:want], p[used:])
		ps.hlen += n
		used += n
		if ps.hlen < want {
			return used, nil
		}
		if ps.need == 0 {
			if err := ps.checkStart(); err != nil {
				return used, err
			}
			ps.need = 2 + 4 // the mask key, present since checkStart passed
			switch ps.hdr[1] & 0x7f {
			case 126:
				ps.need += 2
			case 127:
				ps.need += 8
			}
			continue
		}
		return used, ps.begin()
	}
	return used, nil
}

// checkStart validates what the first two header bytes tell (RFC 6455
// §5.2, §5.5): reserved bits and opcodes, masking, control frame rules.
func (ps *Parser) checkStart() error {
	b0, b1 := ps.hdr[0], ps.hdr[1]
	op := ws.OpCode(b0 & 0x0f)
	switch {
	case b0&0x70 != 0:
		return ws.ErrProtocolNonZeroRsv
	case op > ws.OpBinary && op < ws.OpClose, op > ws.OpPong:
		return ws.ErrProtocolOpCodeReserved
	case b1&0x80 == 0:
		return ws.ErrProtocolMaskRequired
	case op.IsControl() && b0&0x80 == 0:
		return ws.ErrProtocolControlNotFinal
	case op.IsControl() && b1&0x7f > ws.MaxControlFramePayloadSize:
		return ws.ErrProtocolControlPayloadOverflow
	case op == ws.OpContinuation && ps.msgOp == 0:
		return ws.ErrProtocolContinuationUnexpected
	case op != ws.OpContinuation && !op.IsControl() && ps.msgOp != 0:
		return ws.ErrProtocolContinuationExpected
	}
	return nil
}

// begin starts the frame of a complete, partly checked header.
func (ps *Parser) begin() error {
	b0, b1 := ps.hdr[0], ps.hdr[1]
	fin := b0&0x80 != 0
	op := ws.OpCode(b0 & 0x0f)
	var length int64
	ext := ps.hdr[2:]
	switch b1 & 0x7f {
	case 126:
		length = int64(binary.BigEndian.Uint16(ext))
		ext = ext[2:]
	case 127:
		u := binary.BigEndian.Uint64(ext)
		if u>>63 != 0 {
			return ws.ErrHeaderLengthMSB
		}
		length = int64(u)
		ext = ext[8:]
	default:
		length = int64(b1 & 0x7f)
	}
	ps.hlen, ps.need = 0, 0
	if op.IsControl() {
		ps.ctlLen = 0
	} else {
		if op != ws.OpContinuation {
			ps.msgOp, ps.msgLen, ps.text = op, 0, utf8Stream{}
		}
		// Refused on the header: a peer announcing 2^62 bytes costs us
		// nothing.
		if length > ps.maxMessage-ps.msgLen {
			return wsutil.ErrMessageTooLarge
		}
		ps.msgLen += length
	}
	copy(ps.mask[:], ext[:4])
	ps.op, ps.fin, ps.remaining, ps.maskPos, ps.inFrame = op, fin, length, 0, true
	return nil
}

func (ps *Parser) unmask(p []byte) {
	if len(p) == 0 {
		return
	}
	// ws.Cipher unmasks word-wise; maskPos carries the key's phase across
	// the pieces a frame arrives in.
	ws.Cipher(p, ps.mask, ps.maskPos)
	ps.maskPos = (ps.maskPos + len(p)) & 3
}

// frameEnd finishes the current frame: a control frame is handled, and a
// final data frame completes its message.
func (ps *Parser) frameEnd(sink Sink) error {
	ps.inFrame = false
	if ps.op.IsControl() {
		return sink.Control(ps.op, ps.ctl[:ps.ctlLen])
	}
	if !ps.fin {
		return nil
	}
	op := ps.msgOp
	ps.msgOp = 0
	if op == ws.OpText && !ps.text.complete() {
		return wsutil.ErrInvalidUTF8
	}
	return sink.MessageEnd(op == ws.OpBinary)
}
