package app

import (
	"net"
	"time"
)

// socketAddrs stands for the net.Conn of a socket that the fast path
// accepted and reads itself (app/http1): the limitConn that holds its slot
// needs its addresses, and its Close, which the fast path calls after
// closing the socket, has nothing more to close. When the fast path gives
// the connection to net/http, the socket, now a net.Conn, takes its place.
type socketAddrs struct{ local, remote net.Addr }

func (socketAddrs) Read([]byte) (int, error)         { return 0, net.ErrClosed }
func (socketAddrs) Write([]byte) (int, error)        { return 0, net.ErrClosed }
func (socketAddrs) Close() error                     { return nil }
func (a socketAddrs) LocalAddr() net.Addr            { return a.local }
func (a socketAddrs) RemoteAddr() net.Addr           { return a.remote }
func (socketAddrs) SetDeadline(time.Time) error      { return nil }
func (socketAddrs) SetReadDeadline(time.Time) error  { return nil }
func (socketAddrs) SetWriteDeadline(time.Time) error { return nil }
