package websocket

import (
	"maps"
	"sync"
	"sync/atomic"
)

// stats counts what a hub did, for the metrics endpoint. Hot paths add once
// per message (a fan-out adds its recipient count), never per recipient.
type stats struct {
	opened      atomic.Int64
	messagesIn  atomic.Int64
	messagesOut atomic.Int64

	mu      sync.Mutex
	closed  map[int]int64    // close code -> sessions
	dropped map[string]int64 // reason -> messages
}

// Drop reasons: every message duplex does not deliver is counted under one.
const (
	// DropBacklog: queued for a reader too slow for its backlog, discarded
	// when it was closed with 1008.
	DropBacklog = "backlog"
	// DropClosing: sent to a session that had begun to close.
	DropClosing = "closing"
	// DropInvalidUTF8: text that is not UTF-8 was refused by Send.
	DropInvalidUTF8 = "invalid_utf8"
	// DropInbound: received but not handed to the handler, because the
	// session was ending (its handler failed, or it was being closed).
	DropInbound = "inbound_after_close"
	// DropCluster: a group message, command or membership change for other
	// nodes that could not be published (the cluster link was down).
	// Messages lost in transit, beyond this node, are not counted: the
	// cluster delivers at most once.
	DropCluster = "cluster"
	// DropClusterInvalid: a message from another node that was not what a
	// duplex node sends (a frame that is not one whole data frame, text
	// that is not UTF-8, a frame past the size limit, a malformed
	// command), dropped before anything reached a socket.
	DropClusterInvalid = "cluster_invalid"
	// DropNoHandler: received by a session whose controller has nothing
	// to give it to (an XP controller without webSocketEvent).
	DropNoHandler = "no_handler"
)

func (st *stats) close(code int) {
	st.mu.Lock()
	if st.closed == nil {
		st.closed = map[int]int64{}
	}
	st.closed[code]++
	st.mu.Unlock()
}

func (st *stats) drop(reason string, n int) {
	if n <= 0 {
		return
	}
	st.mu.Lock()
	if st.dropped == nil {
		st.dropped = map[string]int64{}
	}
	st.dropped[reason] += int64(n)
	st.mu.Unlock()
}

// CountUnhandled counts a message that reached a session's handler and
// that the handler had no script for (DropNoHandler).
func (h *Hub) CountUnhandled() { h.stats.drop(DropNoHandler, 1) }

// Stats is a snapshot of a hub's counters.
type Stats struct {
	Sessions    int
	Opened      int64
	MessagesIn  int64
	MessagesOut int64
	Closed      map[int]int64
	Dropped     map[string]int64
	// Nodes is the number of cluster nodes this hub sees alive, itself
	// included; 0 without a cluster.
	Nodes int
}

// Stats returns the hub's counters so far.
func (h *Hub) Stats() Stats {
	st := &h.stats
	st.mu.Lock()
	closed, dropped := maps.Clone(st.closed), maps.Clone(st.dropped)
	st.mu.Unlock()
	return Stats{
		Sessions:    h.SessionCount(),
		Opened:      st.opened.Load(),
		MessagesIn:  st.messagesIn.Load(),
		MessagesOut: st.messagesOut.Load(),
		Closed:      closed,
		Dropped:     dropped,
		Nodes:       h.cluster.Nodes(),
	}
}
