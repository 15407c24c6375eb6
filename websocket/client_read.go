package websocket

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"duplex/websocket/frame"
)

// clientReadBuf is the read buffer of a client whose server sent nothing
// behind its handshake answer (otherwise gobwas's pooled reader is used).
const clientReadBuf = 4096

// clientKeepBuf is the largest message buffer the read loop keeps between
// messages; a larger one is dropped so a burst does not pin memory.
const clientKeepBuf = 64 << 10

// clientHandlerPanic ends the read loop when the handler panicked on a
// message: error event, then close 1011.
type clientHandlerPanic struct{ err error }

func (p *clientHandlerPanic) Error() string { return p.err.Error() }

// run is the client's goroutine: it reads and delivers messages until the
// connection ends, then sends the close frame it owes, releases the socket
// and delivers the final error and close events.
func (c *Client) run(handle func(ClientEvent)) {
	src, pooled := c.br, c.br != nil
	c.br = nil
	if src == nil {
		src = bufio.NewReaderSize(c.conn, clientReadBuf)
	}
	err := c.readLoop(src, handle)
	code, cause := c.conclude(err)
	c.release()
	if pooled {
		ws.PutReader(src)
	}
	if cause != nil {
		c.call(handle, ClientEvent{Type: EventError, Err: cause})
	}
	c.call(handle, ClientEvent{Type: EventClose, CloseCode: code})
	close(c.done)
}

// readLoop delivers messages until an error ends the connection; a close
// frame from the server ends it as a *frame.PeerClose.
func (c *Client) readLoop(src io.Reader, handle func(ClientEvent)) error {
	rd := &wsutil.Reader{
		Source:    src,
		State:     ws.StateClientSide,
		CheckUTF8: true,
		// MaxMessageSize counts all fragments of a message together;
		// MaxFrameSize alone would not bound a fragmented one.
		MaxFrameSize:   c.opts.MaxMessage,
		MaxMessageSize: c.opts.MaxMessage,
		OnIntermediate: c.control,
	}
	var msg []byte
	for {
		hdr, err := rd.NextFrame()
		if err != nil {
			return err
		}
		if hdr.OpCode.IsControl() {
			if err := c.control(hdr, rd); err != nil {
				return err
			}
			continue
		}
		msg, err = readClientMessage(rd, msg[:0])
		if err != nil {
			return err
		}
		ev := ClientEvent{Type: EventMessage, Message: msg, Binary: hdr.OpCode == ws.OpBinary}
		if err := c.call(handle, ev); err != nil {
			return &clientHandlerPanic{err}
		}
		if cap(msg) > clientKeepBuf {
			msg = nil
		}
	}
}

// readClientMessage appends the whole message rd is at to buf; rd reads
// its further fragments (and the control frames between them) itself. The
// buffer grows with the bytes that arrive, never by a declared length.
func readClientMessage(rd *wsutil.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		}
	}
}

// control handles a control frame whose header passed ws.CheckHeader (so
// its payload is at most 125 bytes): a ping is answered, a pong ignored, a
// close frame validated and returned as a *frame.PeerClose (or the error that
// makes it invalid). It serves top-level control frames and, as
// OnIntermediate, those between the fragments of a message.
func (c *Client) control(hdr ws.Header, r io.Reader) error {
	var buf [ws.MaxControlFramePayloadSize]byte
	p := buf[:hdr.Length]
	if _, err := io.ReadFull(r, p); err != nil {
		return err
	}
	switch hdr.OpCode {
	case ws.OpPing:
		// A failed write closes the socket: the next read ends the loop
		// and conclude reports the write error.
		c.writeControl(ws.OpPong, p)
	case ws.OpClose:
		return frame.ParseClose(p)
	}
	return nil
}

// conclude turns the error that ended the read loop into the close code
// and the cause for the error event (nil for none), and sends the close
// frame the client owes: the echo of the server's, or its own failure
// code. Nothing is sent if our close frame went out already.
func (c *Client) conclude(err error) (int, error) {
	c.wmu.Lock()
	writeErr, sent := c.writeErr, c.closeSent
	c.wmu.Unlock()

	var pc *frame.PeerClose
	var hp *clientHandlerPanic
	switch {
	case errors.As(err, &pc):
		c.writeControl(ws.OpClose, closePayload(pc.Echo(), ""))
		return pc.Code, nil
	case writeErr != nil:
		return StatusAbnormal, writeErr
	case errors.As(err, &hp):
		c.writeControl(ws.OpClose, closePayload(StatusInternalError, ""))
		return StatusInternalError, hp.err
	}
	re := classify(err)
	switch {
	case re.code == StatusMessageTooBig:
		c.writeControl(ws.OpClose, closePayload(re.code, ""))
		return re.code, fmt.Errorf("websocket: message from %s larger than %d bytes: %w", c.uri, c.opts.MaxMessage, err)
	case re.code != StatusAbnormal:
		c.writeControl(ws.OpClose, closePayload(re.code, ""))
		return re.code, fmt.Errorf("websocket: bad frame from %s: %w", c.uri, err)
	case sent:
		// We were closing: the server did not answer our close frame in
		// CloseTimeout, or dropped the connection instead. That is what
		// we asked for, not an error.
		return StatusAbnormal, nil
	}
	return StatusAbnormal, fmt.Errorf("websocket: connection to %s lost: %w", c.uri, err)
}

// call runs handle with ev; a panic in it is returned as an error so that
// the connection is still released.
func (c *Client) call(handle func(ClientEvent), ev ClientEvent) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("websocket: client handler panic: %v", p)
		}
	}()
	handle(ev)
	return nil
}
