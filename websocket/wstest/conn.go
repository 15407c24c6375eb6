package wstest

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gobwas/ws"
)

// DefaultMaxPayload bounds one frame and one message unless
// Conn.MaxPayload says otherwise: above the largest message a test sends
// (16 MiB), far below what a bogus length could make the client allocate.
const DefaultMaxPayload = 64 << 20

// Conn is the client side of one WebSocket connection. It is independent of
// duplex's own protocol code, so that a bug there cannot hide itself by
// being on both ends. Reads belong to one goroutine; writes may come from
// any, each frame written whole with one Write.
type Conn struct {
	// Protocol is the sub-protocol the server chose, "" for none.
	Protocol string
	// Header is the header of the server's 101.
	Header http.Header

	// The settings below are made before reading and left alone while a
	// read is in progress.

	// MaxPayload bounds one frame and one message (0: DefaultMaxPayload).
	MaxPayload int64
	// NoPong leaves pings unanswered, as a peer behind a dead link would.
	NoPong bool
	// OnPing, when set, sees each ping once it was answered; an error it
	// returns ends the read with that error, so that a test waiting for
	// pings can stop reading there.
	OnPing func(payload []byte) error

	nc  net.Conn
	br  *bufio.Reader
	ctl [125]byte // a control frame's payload

	wmu  sync.Mutex
	wbuf []byte
}

// NewConn is a Conn on a connection whose opening handshake is done. br
// holds what was read past the handshake (nil when nothing was).
func NewConn(nc net.Conn, br *bufio.Reader) *Conn {
	if br == nil {
		br = bufio.NewReader(nc)
	}
	return &Conn{nc: nc, br: br}
}

// NetConn is the TCP connection, for what a test does below the WebSocket
// layer: half a frame, a reset, a close without a close frame.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Close closes the TCP connection, without a closing handshake.
func (c *Conn) Close() error { return c.nc.Close() }

// SetDeadline sets the read and write deadlines of the connection.
func (c *Conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// SetReadDeadline sets the deadline of reads.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline sets the deadline of writes.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }

func (c *Conn) limit() int64 {
	if c.MaxPayload > 0 {
		return c.MaxPayload
	}
	return DefaultMaxPayload
}

// ReadFrame reads the next frame as it came, control frames and protocol
// violations included: the reader of a conformance suite, which grades what
// the server sent.
func (c *Conn) ReadFrame() (Frame, error) {
	return ReadFrame(c.br, nil, c.limit())
}

// Message is one data message as received.
type Message struct {
	OpCode  ws.OpCode // ws.OpText or ws.OpBinary
	Payload []byte
	Frames  int // how many frames carried it
}

// Text is the payload as a string.
func (m Message) Text() string { return string(m.Payload) }

// CloseError is the server's close frame, which ends a read.
type CloseError struct {
	Code   ws.StatusCode // 1005 when the frame had no payload (RFC 6455 §7.1.5)
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("close frame %d %q", e.Code, e.Reason)
}

// ProtocolError is a frame that a server must not send (RFC 6455 §5).
type ProtocolError struct {
	Reason string
}

func (e *ProtocolError) Error() string { return "server broke the protocol: " + e.Reason }

// ReadMessage returns the next data message, reassembled from its
// fragments. It answers pings (unless NoPong), skips pongs, and ends with a
// *CloseError at the server's close frame (which it does not answer: the
// caller decides how the closing handshake goes) or a *ProtocolError at a
// frame no server may send.
func (c *Conn) ReadMessage() (Message, error) {
	return c.ReadMessageInto(nil)
}

// ReadMessageInto is ReadMessage with the payload appended to buf[:0]: a
// load generator passes the last message's payload back in and reads
// without allocating.
func (c *Conn) ReadMessageInto(buf []byte) (Message, error) {
	m := Message{Payload: buf[:0]}
	for {
		h, err := ws.ReadHeader(c.br)
		if err != nil {
			return Message{}, err
		}
		if err := c.check(h, m.Frames > 0); err != nil {
			return Message{}, err
		}
		if h.OpCode.IsControl() {
			if err := c.control(h); err != nil {
				return Message{}, err
			}
			continue
		}
		if h.OpCode != ws.OpContinuation {
			m.OpCode = h.OpCode
		}
		n := int64(len(m.Payload))
		if n+h.Length > c.limit() {
			return Message{}, fmt.Errorf("message of more than %d bytes, more than this client accepts", c.limit())
		}
		m.Payload = slices.Grow(m.Payload, int(h.Length))[:n+h.Length]
		if err := readFull(c.br, m.Payload[n:]); err != nil {
			return Message{}, err
		}
		m.Frames++
		if h.Fin {
			return m, nil
		}
	}
}

// check refuses a header no server may send; inMessage tells whether a
// fragmented message is in progress.
func (c *Conn) check(h ws.Header, inMessage bool) error {
	bad := ""
	switch {
	case h.Masked:
		bad = "a masked frame (§5.1)"
	case h.Rsv != 0:
		bad = fmt.Sprintf("RSV bits %d without an extension (§5.2)", h.Rsv)
	case h.OpCode.IsReserved():
		bad = fmt.Sprintf("reserved opcode %d (§5.2)", h.OpCode)
	case h.OpCode.IsControl() && (!h.Fin || h.Length > 125):
		bad = fmt.Sprintf("control frame (opcode %d) fragmented or over 125 bytes (§5.5)", h.OpCode)
	case h.OpCode == ws.OpContinuation && !inMessage:
		bad = "a continuation frame without a message in progress (§5.4)"
	case h.OpCode.IsData() && h.OpCode != ws.OpContinuation && inMessage:
		bad = "a new message inside a fragmented one (§5.4)"
	}
	if bad != "" {
		return &ProtocolError{Reason: bad}
	}
	return nil
}

// control handles a ping, pong or close frame.
func (c *Conn) control(h ws.Header) error {
	p := c.ctl[:h.Length]
	if err := readFull(c.br, p); err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		if !c.NoPong {
			if err := c.WriteFrame(Masked(Frame{Fin: true, OpCode: ws.OpPong, Payload: p})); err != nil {
				return err
			}
		}
		if c.OnPing != nil {
			return c.OnPing(p)
		}
	case ws.OpClose:
		if len(p) == 1 {
			return &ProtocolError{Reason: "a close frame with a 1-byte payload (§5.5.1)"}
		}
		if len(p) == 0 {
			return &CloseError{Code: ws.StatusNoStatusRcvd}
		}
		code, reason := ws.ParseCloseFrameData(p)
		return &CloseError{Code: code, Reason: reason}
	}
	return nil
}

// WriteRaw writes b as it is: frames built by hand, a stream cut anywhere.
func (c *Conn) WriteRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(b)
	return err
}

// WriteFrame writes f as it is (mask included) with one Write.
func (c *Conn) WriteFrame(f Frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = AppendFrame(c.wbuf[:0], f, Minimal)
	_, err := c.nc.Write(c.wbuf)
	return err
}

// WriteMessage writes one masked FIN frame of opcode op.
func (c *Conn) WriteMessage(op ws.OpCode, payload []byte) error {
	return c.WriteFrame(MessageFrame(op, payload))
}

// WriteClose writes a masked close frame.
func (c *Conn) WriteClose(code ws.StatusCode, reason string) error {
	return c.WriteFrame(CloseFrame(code, reason))
}
