package wstest

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/gobwas/ws"
)

// Frame is one frame as it is written or was read. The client builds its
// frames from these fields alone, with no validation, so that a test can
// send what a broken or hostile client would: unmasked frames, RSV bits,
// reserved opcodes, fragmented or oversized control frames.
type Frame struct {
	Fin     bool
	Rsv     byte // the RSV1-3 bits as a number: 4 is RSV1, 1 is RSV3
	OpCode  ws.OpCode
	Masked  bool
	Mask    [4]byte
	Payload []byte // unmasked
}

// LengthForm is how a header encodes the payload length.
type LengthForm int

// A header's length encodings (RFC 6455 §5.2). Only Minimal is what a
// correct peer writes; the others, applied to a length that fits a shorter
// one, make a non-minimal header on purpose.
const (
	Minimal LengthForm = 0
	Len7    LengthForm = 7
	Len16   LengthForm = 16
	Len64   LengthForm = 64
)

// NewMask is a fresh masking key. A test client needs no unpredictable
// keys, only ones that differ, so a cheap generator does.
func NewMask() [4]byte {
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], rand.Uint32())
	return k
}

// Masked is f masked with a fresh key, as a client sends it.
func Masked(f Frame) Frame {
	f.Masked, f.Mask = true, NewMask()
	return f
}

// MessageFrame is a FIN frame of opcode op, masked with a fresh key.
func MessageFrame(op ws.OpCode, payload []byte) Frame {
	return Masked(Frame{Fin: true, OpCode: op, Payload: payload})
}

// CloseBody is a close frame's payload: code, then reason, whatever their
// length (gobwas's NewCloseFrameBody cuts them to 125 bytes, and a test of
// oversized control frames needs more).
func CloseBody(code ws.StatusCode, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// CloseFrame is a masked close frame with code and reason.
func CloseFrame(code ws.StatusCode, reason string) Frame {
	return MessageFrame(ws.OpClose, CloseBody(code, reason))
}

// AppendHeader appends the header of f declaring length payload bytes,
// which need not be len(f.Payload): a test of a peer's length checks
// declares more than it sends.
func AppendHeader(dst []byte, f Frame, length uint64, form LengthForm) []byte {
	b0 := byte(f.OpCode)&0x0F | (f.Rsv&0x7)<<4
	if f.Fin {
		b0 |= 0x80
	}
	var mbit byte
	if f.Masked {
		mbit = 0x80
	}
	if form == Minimal {
		switch {
		case length <= 125:
			form = Len7
		case length <= 0xFFFF:
			form = Len16
		default:
			form = Len64
		}
	}
	dst = append(dst, b0)
	switch form {
	case Len7:
		dst = append(dst, mbit|byte(length))
	case Len16:
		dst = append(dst, mbit|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(length))
	default:
		dst = append(dst, mbit|127)
		dst = binary.BigEndian.AppendUint64(dst, length)
	}
	if f.Masked {
		dst = append(dst, f.Mask[:]...)
	}
	return dst
}

// AppendFrame appends f's wire form: its header, then its payload, masked
// with f.Mask when f.Masked.
func AppendFrame(dst []byte, f Frame, form LengthForm) []byte {
	dst = AppendHeader(dst, f, uint64(len(f.Payload)), form)
	start := len(dst)
	dst = append(dst, f.Payload...)
	if f.Masked {
		ws.Cipher(dst[start:], f.Mask, 0)
	}
	return dst
}

// ReadFrame reads one frame from r and unmasks its payload. The payload is
// read into buf when it fits (so that a load generator need not allocate
// per frame); a frame declaring more than limit bytes is an error before
// anything is allocated for it.
func ReadFrame(r io.Reader, buf []byte, limit int64) (Frame, error) {
	h, err := ws.ReadHeader(r)
	if err != nil {
		return Frame{}, err
	}
	f := Frame{Fin: h.Fin, Rsv: h.Rsv, OpCode: h.OpCode, Masked: h.Masked, Mask: h.Mask}
	if h.Length > limit {
		return f, fmt.Errorf("frame declares %d bytes, more than the %d this client accepts", h.Length, limit)
	}
	if int64(cap(buf)) >= h.Length {
		f.Payload = buf[:h.Length]
	} else {
		f.Payload = make([]byte, h.Length)
	}
	if err := readFull(r, f.Payload); err != nil {
		return f, err
	}
	if h.Masked {
		ws.Cipher(f.Payload, h.Mask, 0)
	}
	return f, nil
}

// readFull reads a payload whose header was read: a clean EOF is for frame
// boundaries only.
func readFull(r io.Reader, p []byte) error {
	_, err := io.ReadFull(r, p)
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
