package websockets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"duplex/lib"
	ws "duplex/websocket"
)

// ClientsOptions configure the server's outbound clients.
type ClientsOptions struct {
	// Max bounds the clients open at once, every application together;
	// past it createWebsocket throws. Default 100.
	Max int
	// ConnectTimeout bounds createWebsocket's connect and handshake;
	// default 10s (the server passes --js-timeout).
	ConnectTimeout time.Duration
	// Dial tunes the connections; its NetDial is where the server's
	// outbound policy refuses forbidden addresses.
	Dial ws.ClientOptions
	// Dispatcher runs the clients' handler modules.
	Dispatcher lib.HandlerDispatcher
	// Setting names what raises Max, for the refusal.
	Setting string
	Log     zerolog.Logger
}

// Clients are the open outbound WebSocket clients of a server: Dirigible
// lists them all to every script (its CLIENTS list is static).
type Clients struct {
	opts ClientsOptions

	mu       sync.Mutex
	open     []*client // in creation order, as getClients() lists them
	reserved int       // connecting or open, against Max
	closed   bool
	done     sync.WaitGroup

	opened, failed, dropped atomic.Int64
}

// Stats are the registry's counters, for the server's metrics.
type Stats struct {
	Open    int   // clients open now
	Opened  int64 // clients that connected
	Failed  int64 // createWebsocket calls refused or failed (policy, limit, network, handshake)
	Dropped int64 // events not delivered to a handler (binary messages, no free runtime)
}

// Stats returns the counters.
func (c *Clients) Stats() Stats {
	c.mu.Lock()
	open := len(c.open)
	c.mu.Unlock()
	return Stats{Open: open, Opened: c.opened.Load(), Failed: c.failed.Load(), Dropped: c.dropped.Load()}
}

// client is one outbound connection.
type client struct {
	id      string
	uri     string
	handler string
	conn    *ws.Client
}

// DefaultMaxClients is ClientsOptions.Max when left zero.
const DefaultMaxClients = 100

// NewClients returns an empty registry.
func NewClients(opts ClientsOptions) *Clients {
	if opts.Max <= 0 {
		opts.Max = DefaultMaxClients
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	return &Clients{opts: opts}
}

// ErrClosed refuses new clients once the server is stopping.
var ErrClosed = errors.New("the server is shutting down")

// reserve takes a slot for a client about to connect.
func (c *Clients) reserve() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.reserved >= c.opts.Max:
		return fmt.Errorf("%d WebSocket clients are open, the most allowed; raise it with %s", c.opts.Max, c.opts.Setting)
	}
	c.reserved++
	c.done.Add(1)
	return nil
}

func (c *Clients) release() {
	c.mu.Lock()
	c.reserved--
	c.mu.Unlock()
	c.done.Done()
}

// connect opens a client to uri for the handler module ref, runs its onOpen
// on from's runtime and starts delivering its events. It returns once
// onOpen ran, as Dirigible's createWebsocket does.
func (c *Clients) connect(uri, ref string, from *lib.Env) (*client, error) {
	cl, err := c.dial(uri, ref, from)
	if err != nil {
		c.failed.Add(1)
	} else {
		c.opened.Add(1)
	}
	return cl, err
}

// dial is connect without the counting.
func (c *Clients) dial(uri, ref string, from *lib.Env) (*client, error) {
	if err := c.opts.Dispatcher.Check(ref); err != nil {
		c.opts.Log.Info().Str("uri", uri).Str("handler", ref).Err(err).Msg("WebSocket client refused: no such handler")
		return nil, fmt.Errorf("handler: %w", err)
	}
	if err := c.reserve(); err != nil {
		c.opts.Log.Warn().Str("uri", uri).Str("handler", ref).Err(err).Msg("WebSocket client refused")
		return nil, err
	}
	ctx, cancel := from.Bounded(c.opts.ConnectTimeout)
	conn, err := ws.Dial(ctx, uri, c.opts.Dial)
	cancel()
	if err != nil {
		c.release()
		c.opts.Log.Info().Str("uri", uri).Str("handler", ref).Err(err).Msg("WebSocket client could not connect")
		return nil, err
	}
	cl := &client{id: newClientID(), uri: uri, handler: ref, conn: conn}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		conn.Close(ws.StatusGoingAway, "server shutting down")
		<-conn.Done()
		c.release()
		return nil, ErrClosed
	}
	c.open = append(c.open, cl)
	c.mu.Unlock()
	c.opts.Log.Debug().Str("client", cl.id).Str("uri", uri).Str("handler", ref).Msg("WebSocket client connected")
	if err := c.opts.Dispatcher.Dispatch(ref, lib.HandlerEvent{Method: lib.MethodOpen}, from); err != nil {
		// The handler cannot run at all (unknown module) or the caller
		// was interrupted: the connection is of no use.
		c.forget(cl)
		cl.conn.Close(ws.StatusGoingAway, "")
		<-cl.conn.Done()
		c.release()
		return nil, err
	}
	cl.conn.Start(func(ev ws.ClientEvent) { c.deliver(cl, ev) })
	go func() {
		<-cl.conn.Done()
		c.release()
	}()
	return cl, nil
}

// deliver runs one event of cl in its handler module, on the client's own
// goroutine: a client's events run one at a time, in order.
func (c *Clients) deliver(cl *client, ev ws.ClientEvent) {
	var he lib.HandlerEvent
	switch ev.Type {
	case ws.EventMessage:
		if ev.Binary {
			c.dropped.Add(1)
			c.opts.Log.Warn().Str("client", cl.id).Str("handler", cl.handler).Int("bytes", len(ev.Message)).
				Msg("binary message to a WebSocket client dropped: Dirigible handlers take text only")
			return
		}
		he = lib.HandlerEvent{Method: lib.MethodMessage, Message: string(ev.Message)}
	case ws.EventError:
		he = lib.HandlerEvent{Method: lib.MethodError, Error: ev.Err.Error()}
	case ws.EventClose:
		c.forget(cl)
		c.opts.Log.Debug().Str("client", cl.id).Int("code", ev.CloseCode).Msg("WebSocket client closed")
		he = lib.HandlerEvent{Method: lib.MethodClose}
	default:
		return
	}
	if err := c.opts.Dispatcher.Dispatch(cl.handler, he, nil); err != nil {
		c.dropped.Add(1)
		c.opts.Log.Warn().Str("client", cl.id).Str("handler", cl.handler).Str("event", he.Method).Err(err).Msg("WebSocket client event not delivered")
	}
}

// forget takes cl off the list (closed by either side).
func (c *Clients) forget(cl *client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, o := range c.open {
		if o == cl {
			c.open = append(c.open[:i], c.open[i+1:]...)
			return
		}
	}
}

// list returns the open clients, oldest first.
func (c *Clients) list() []*client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*client(nil), c.open...)
}

// close closes cl (its onClose runs once the server answered).
func (c *Clients) close(cl *client) {
	c.forget(cl)
	cl.conn.Close(ws.StatusNormal, "")
}

// Shutdown refuses new clients, closes the open ones with 1001 and waits
// until their onClose ran, or ctx ends.
func (c *Clients) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	open := append([]*client(nil), c.open...)
	c.mu.Unlock()
	for _, cl := range open {
		cl.conn.Close(ws.StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() {
		c.done.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newClientID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
