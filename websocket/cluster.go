package websocket

import (
	"github.com/rs/zerolog"

	"duplex/websocket/frame"
)

// Cluster is everything a hub knows of the hubs of the same application on
// other nodes: package cluster implements it over a Transport (NATS), and a
// hub alone on its node uses single, so that the hub's code is the same
// either way. The hub calls Start once, from NewHub, and Stop once its
// sessions are gone.
type Cluster interface {
	// Start makes the cluster speak for hub, which is ready to serve.
	Start(hub Local)
	// Stop leaves the cluster.
	Stop()

	// Publish ships a group message, encoded once, to the other nodes;
	// the hub has delivered it to its own members already.
	Publish(group string, frame []byte)
	// Changed tells the others of a local membership change. The hub
	// calls it under its group lock, so changes go out in the order they
	// happened.
	Changed(join bool, group, id string)

	// Size and AppendMembers answer from what the other nodes reported,
	// without a network round trip.
	Size(group string) int
	AppendMembers(group string, ids []string) []string
	// Nodes is the number of nodes alive, this one included; 0 when there
	// is no cluster.
	Nodes() int

	// Remote reports whether id names a session of another node. Send,
	// Close and Member act on such a session through its node, and report
	// false for any other id; true means the request was published.
	Remote(id string) bool
	Send(id string, frame []byte) bool
	Close(id string, code int, reason string) bool
	Member(join bool, group, id string) bool

	// PublishEvent ships an application event, opaque bytes at most
	// MaxMessage long, to the hub of the same application on every other
	// node (Local.Event there); at most once, like group messages.
	PublishEvent(data []byte)
}

// Local is what a hub offers its Cluster: the node's facts, and the
// sessions and groups of this node, reached without the cluster knowing
// the hub's locks or maps. Send, Close and Member act on local sessions
// only, so that a command from another node is never forwarded again.
type Local interface {
	NodeID() string
	MaxMessage() int64
	Log() zerolog.Logger

	// Fanout queues an encoded frame to the local members of group and
	// returns how many there were.
	Fanout(group string, frame []byte) int
	Send(id string, frame []byte) bool
	Close(id string, code int, reason string) bool
	Member(join bool, group, id string) bool
	// Memberships calls fn with every local group and its members' ids,
	// holding membership changes (and so Changed) off until fn returns:
	// what fn publishes is the state between two changes.
	Memberships(fn func(groups map[string][]string))
	// Drop counts n messages under a drop reason (DropCluster,
	// DropClusterInvalid).
	Drop(reason string, n int)
	// Event hands an application event another node published to the
	// hub's event handler (Hub.OnEvent); it must not block.
	Event(data []byte)
}

// single is the Cluster of a hub alone on its node: there is no one else
// to tell, and no id is remote.
type single struct{}

func (single) Start(Local)                                   {}
func (single) Stop()                                         {}
func (single) Publish(string, []byte)                        {}
func (single) Changed(bool, string, string)                  {}
func (single) Size(string) int                               { return 0 }
func (single) AppendMembers(_ string, ids []string) []string { return ids }
func (single) Nodes() int                                    { return 0 }
func (single) Remote(string) bool                            { return false }
func (single) Send(string, []byte) bool                      { return false }
func (single) Close(string, int, string) bool                { return false }
func (single) Member(bool, string, string) bool              { return false }
func (single) PublishEvent([]byte)                           {}

// local is the hub as its cluster sees it. It is a type of its own so that
// the local-only operations stay off the Hub's API.
type local struct{ h *Hub }

func (l local) NodeID() string      { return l.h.opts.NodeID }
func (l local) MaxMessage() int64   { return l.h.opts.MaxMessage }
func (l local) Log() zerolog.Logger { return l.h.log }

func (l local) Fanout(group string, frame []byte) int { return l.h.fanout(group, frame) }

func (l local) Send(id string, frame []byte) bool {
	s := l.h.session(id)
	return s != nil && l.h.enqueue(s, frame)
}

func (l local) Close(id string, code int, reason string) bool {
	s := l.h.session(id)
	return s != nil && frame.SendableCode(code) && s.closeNow(code, reason, nil, false)
}

func (l local) Member(join bool, group, id string) bool {
	s := l.h.session(id)
	return s != nil && l.h.setMember(join, group, s)
}

func (l local) Memberships(fn func(map[string][]string)) {
	h := l.h
	h.gmu.RLock()
	defer h.gmu.RUnlock()
	groups := make(map[string][]string, len(h.groups))
	for name, g := range h.groups {
		groups[name] = g.ids()
	}
	fn(groups)
}

func (l local) Drop(reason string, n int) { l.h.stats.drop(reason, n) }

func (l local) Event(data []byte) {
	if fn := l.h.onEvent.Load(); fn != nil {
		(*fn)(data)
	}
}
