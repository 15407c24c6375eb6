package websocket

import (
	"bufio"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"duplex/websocket/frame"
)

// Outbound connections (scripts' createWebsocket) are few, so unlike the
// hub's sessions each Client simply owns one goroutine, started by Start,
// that reads frames and runs the handler; client_read.go holds that loop.
//
// Who finishes a connection: the read loop once Start was called, else the
// timer that Close arms (Close before Start). Exactly one of them moves
// state from clientIdle/clientRunning to clientFinished, releases the
// socket and closes done.

// ErrClientClosed is returned by Client.Send and Client.SendBinary after
// Close was called or the connection ended.
var ErrClientClosed = errors.New("websocket: client connection is closed")

// Defaults of ClientOptions.
const (
	defaultClientMaxMessage   = 64 << 10
	defaultClientWriteTimeout = 10 * time.Second
	defaultClientCloseTimeout = 2 * time.Second
)

// ClientOptions tune Dial. Zero fields take the defaults noted.
type ClientOptions struct {
	// NetDial opens the TCP connection; nil uses net.Dialer. Callers pass a
	// policy-checking dialer here (it refuses forbidden addresses); its
	// error comes back from Dial wrapped with %w, so errors.As finds it.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSConfig is used for wss://; nil means the default configuration.
	TLSConfig *tls.Config
	// MaxMessage bounds an incoming message, all its fragments together;
	// default 65536. A larger message closes the connection with 1009 and
	// an error event.
	MaxMessage int64
	// WriteTimeout bounds each Send (and every frame the client writes
	// itself); default 10s.
	WriteTimeout time.Duration
	// CloseTimeout is how long the client waits for the server's close
	// frame after sending its own; default 2s.
	CloseTimeout time.Duration
	// Header holds extra handshake headers (e.g. Origin); may be nil.
	Header http.Header
}

func (o ClientOptions) withDefaults() ClientOptions {
	// A zero (or negative) setting takes its default.
	o.MaxMessage = cmp.Or(max(o.MaxMessage, 0), defaultClientMaxMessage)
	o.WriteTimeout = cmp.Or(max(o.WriteTimeout, 0), defaultClientWriteTimeout)
	o.CloseTimeout = cmp.Or(max(o.CloseTimeout, 0), defaultClientCloseTimeout)
	return o
}

// ClientEvent is one event of a client connection. Message is only valid
// during the callback.
type ClientEvent struct {
	// Type is EventMessage, EventError or EventClose; never EventOpen: the
	// caller runs its open handler itself after Dial returns.
	Type    EventType
	Message []byte
	Binary  bool
	// CloseCode is, for close events, the code the server sent (1005 when
	// its close frame had none), the code the client failed the
	// connection with (1002, 1007, 1009, 1011), or 1006 when the connection
	// ended without a close frame from the server.
	CloseCode int
	Err       error // error events
}

// Client states, under Client.mu.
const (
	clientIdle     = iota // dialed, Start not called
	clientRunning         // the read loop owns the end of the connection
	clientFinished        // released (by the Close timer, Start never came)
)

// Client is one outbound WebSocket connection.
type Client struct {
	uri  string
	opts ClientOptions
	conn net.Conn
	// br holds bytes the server sent right behind its handshake answer;
	// nil when there were none. It is gobwas's pooled reader.
	br   *bufio.Reader
	done chan struct{}

	// ended is set when the connection is released; writes after it
	// report ErrClientClosed.
	ended atomic.Bool

	mu          sync.Mutex
	state       int
	closeCalled bool
	closeBy     time.Time   // when the server's close frame is due, once Close sent ours
	closeTimer  *time.Timer // Close before Start: releases the connection at closeBy

	// wmu serializes every frame written: data, pong and close.
	wmu       sync.Mutex
	closeSent bool  // our close frame went out (or was attempted)
	writeErr  error // first write failure; the connection is then aborted
}

// Dial connects to uri (ws:// or wss://; anything else is an error naming
// the scheme) and completes the opening handshake before ctx ends (ctx
// carries the connect timeout). It returns an error saying why when the
// connection is refused, times out or the handshake fails (with the HTTP
// status for a non-101 answer). It does not start reading: call Start.
// A Client must be started or closed; until then it holds its socket.
func Dial(ctx context.Context, uri string, opts ClientOptions) (*Client, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("websocket: invalid uri %q: %w", uri, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	default:
		return nil, fmt.Errorf("websocket: unsupported scheme %q in %q: want ws or wss", u.Scheme, uri)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("websocket: no host in %q", uri)
	}
	opts = opts.withDefaults()

	var status int
	var reason string
	d := ws.Dialer{
		NetDial:   opts.NetDial,
		TLSConfig: opts.TLSConfig,
		OnStatusError: func(code int, r []byte, _ io.Reader) {
			status, reason = code, string(r)
		},
	}
	if len(opts.Header) > 0 {
		d.Header = ws.HandshakeHeaderHTTP(opts.Header)
	}
	conn, br, _, err := d.Dial(ctx, uri)
	if err != nil {
		if conn != nil {
			// gobwas closes the connection after a failed upgrade, not
			// after a NetDial that returned one together with an error.
			conn.Close()
		}
		return nil, dialError(uri, err, status, reason)
	}
	return &Client{
		uri:  uri,
		opts: opts,
		conn: conn,
		br:   br,
		done: make(chan struct{}),
	}, nil
}

// dialError says why Dial failed, keeping err reachable through %w.
func dialError(uri string, err error, status int, reason string) error {
	var se ws.StatusError
	switch {
	case status != 0:
		return fmt.Errorf("websocket: handshake with %s failed: server answered HTTP %d %s instead of 101: %w", uri, status, reason, err)
	case errors.As(err, &se):
		return fmt.Errorf("websocket: handshake with %s failed: server answered HTTP %d instead of 101: %w", uri, int(se), err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("websocket: connecting to %s timed out: %w", uri, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("websocket: connecting to %s canceled: %w", uri, err)
	}
	return fmt.Errorf("websocket: connecting to %s failed: %w", uri, err)
}

// URI returns the uri given to Dial.
func (c *Client) URI() string { return c.uri }

// Done is closed once the connection is fully closed and the close event
// (if Start was called) has returned.
func (c *Client) Done() <-chan struct{} { return c.done }

// Start begins delivering events to handle, on one goroutine of the
// client's, strictly in order: each message (text or binary, fragmented
// messages reassembled), then, exactly once at the end, an error event if
// the end had a cause, then one close event. Pings are answered with
// pongs; invalid UTF-8 text closes with 1007, an oversize message with
// 1009 and a protocol error with 1002, each after an error event. A panic
// in handle while it handles a message becomes an error event and close
// 1011; one while it handles the error or close event is dropped.
//
// Start may be called once; later calls do nothing. After Close, Start
// still gets the rest of the connection (messages before the server's
// close frame, then the close event), unless it comes more than
// CloseTimeout after Close: by then the connection was released and
// nothing is delivered.
func (c *Client) Start(handle func(ClientEvent)) {
	if handle == nil {
		handle = func(ClientEvent) {}
	}
	c.mu.Lock()
	if c.state != clientIdle {
		c.mu.Unlock()
		return
	}
	c.state = clientRunning
	if c.closeTimer != nil {
		// If it fired already, its func sees clientRunning and leaves.
		c.closeTimer.Stop()
		c.closeTimer = nil
	}
	if !c.closeBy.IsZero() {
		c.conn.SetReadDeadline(c.closeBy)
	}
	c.mu.Unlock()
	go c.run(handle)
}

// Send writes one text message (masked, as RFC 6455 requires of clients),
// waiting at most WriteTimeout. It is safe from any goroutine, concurrently
// with the reader. After Close or the end of the connection it returns
// ErrClientClosed. A failed write ends the connection (1006 and an error
// event).
func (c *Client) Send(text []byte) error {
	return c.writeData(ws.OpText, text)
}

// SendBinary writes one binary message, like Send.
func (c *Client) SendBinary(data []byte) error {
	return c.writeData(ws.OpBinary, data)
}

func (c *Client) writeData(op ws.OpCode, p []byte) error { return c.write(op, p) }

// write writes one frame, unless our close frame is out (a close frame is
// sent once, and nothing after it) or the connection failed.
func (c *Client) write(op ws.OpCode, p []byte) error {
	// The deadline counts from here, so that waiting behind another
	// writer (itself bounded by its own deadline) is included.
	deadline := time.Now().Add(c.opts.WriteTimeout)
	frame := clientFrame(op, p)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent || c.writeErr != nil || c.ended.Load() {
		return ErrClientClosed
	}
	if op == ws.OpClose {
		c.closeSent = true
	}
	return c.writeLocked(frame, deadline)
}

// writeLocked writes one whole frame; wmu is held. A failure aborts the
// connection: a frame may have gone out in part, so nothing more can be
// written, and closing the socket ends the read loop, which reports
// writeErr.
func (c *Client) writeLocked(frame []byte, deadline time.Time) error {
	if err := c.conn.SetWriteDeadline(deadline); err != nil {
		return c.writeFailed(err)
	}
	if _, err := c.conn.Write(frame); err != nil {
		return c.writeFailed(err)
	}
	return nil
}

func (c *Client) writeFailed(err error) error {
	if c.ended.Load() {
		return ErrClientClosed
	}
	if c.writeErr == nil {
		c.writeErr = fmt.Errorf("websocket: write to %s failed: %w", c.uri, err)
	}
	c.conn.Close()
	return c.writeErr
}

// writeControl writes a pong or close frame the client owes the server,
// and reports whether it was written.
func (c *Client) writeControl(op ws.OpCode, payload []byte) bool { return c.write(op, payload) == nil }

// Close starts the closing handshake with code and reason (an unsendable
// code becomes 1000, a reason is cut to fit a control frame); the read
// loop then waits up to CloseTimeout for the server's close frame,
// delivering the messages that arrive before it, then the close event.
// Close is idempotent and never blocks on the network longer than
// WriteTimeout. If Start is never called, the connection is released
// CloseTimeout after Close.
func (c *Client) Close(code int, reason string) {
	if !frame.SendableCode(code) {
		code = StatusNormal
	}
	c.mu.Lock()
	if c.closeCalled {
		c.mu.Unlock()
		return
	}
	c.closeCalled = true
	c.mu.Unlock()

	c.writeControl(ws.OpClose, closePayload(code, reason))

	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeBy = time.Now().Add(c.opts.CloseTimeout)
	switch c.state {
	case clientIdle:
		c.closeTimer = time.AfterFunc(c.opts.CloseTimeout, c.expireIdle)
	case clientRunning:
		// Ends a read that waits past closeBy; an error after the loop
		// released the socket does not matter.
		c.conn.SetReadDeadline(c.closeBy)
	}
}

// expireIdle releases a connection that was closed but never started.
func (c *Client) expireIdle() {
	c.mu.Lock()
	if c.state != clientIdle {
		c.mu.Unlock()
		return
	}
	c.state = clientFinished
	c.closeTimer = nil
	c.mu.Unlock()
	c.release()
	if c.br != nil {
		ws.PutReader(c.br)
		c.br = nil
	}
	close(c.done)
}

// release closes the socket for good; later writes report ErrClientClosed.
func (c *Client) release() {
	c.ended.Store(true)
	c.conn.Close()
}

// clientFrame encodes one unfragmented, masked client frame (RFC 6455
// §5.3: a client masks every frame, with a fresh key each time).
func clientFrame(op ws.OpCode, payload []byte) []byte {
	n := len(payload)
	hl := frame.HeaderLen(n)
	f := make([]byte, hl+4+n)
	frame.PutHeader(f, op, n)
	f[1] |= 0x80
	mask := ws.NewMask()
	copy(f[hl:], mask[:])
	copy(f[hl+4:], payload)
	ws.Cipher(f[hl+4:], mask, 0)
	return f
}

// closePayload is the payload of a close frame: code 0 means none (the
// echo of a close without status). frame.Close already validates and
// cuts the reason; its header is two bytes, a close payload being at most
// 125.
func closePayload(code int, reason string) []byte {
	return frame.Close(code, reason)[2:]
}
