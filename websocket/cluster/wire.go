package cluster

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// Subjects. Application and group names may hold characters NATS gives a
// meaning to ('.', '*', '>', spaces), so both travel base64url-encoded;
// node ids are checked to be plain tokens (ValidNodeID).
//
//	duplex.<app>.g.<group>  a group message: the encoded frame, nothing else
//	duplex.<app>.n.<node>   commands for the sessions of one node
//	duplex.<app>.s          membership: hello, heartbeats, deltas, snapshots
//	duplex.<app>.e          application events (XP's distributed events)
const subjectRoot = "duplex."

// token encodes a name as one subject token. The empty name, which
// base64 would make an empty (invalid) token, is "=", a character
// base64url never produces.
func token(name string) string {
	if name == "" {
		return "="
	}
	return base64.RawURLEncoding.EncodeToString([]byte(name))
}

func untoken(tok string) (string, bool) {
	if tok == "=" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	return string(b), err == nil
}

type subjects struct {
	groups string // prefix of group subjects, with the trailing dot
	state  string
	nodes  string // prefix of node subjects, with the trailing dot
	events string
}

func newSubjects(app string) subjects {
	base := subjectRoot + token(app) + "."
	return subjects{groups: base + "g.", state: base + "s", nodes: base + "n.", events: base + "e"}
}

// ValidNodeID reports whether id can name a cluster node: it prefixes
// session ids up to their first '-', and is a subject token.
func ValidNodeID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// nodeOf is the node part of a session id ("" when there is none).
func nodeOf(id string) string {
	for i := 0; i < len(id); i++ {
		if id[i] == '-' {
			return id[:i]
		}
	}
	return ""
}

// Message kinds. State messages (subject s) start with the sender's node,
// epoch and sequence number; commands (subject n.<node>) with the kind.
const (
	msgHello byte = iota + 1 // a node (re)joined: answer with your snapshot
	msgBeat                  // alive, at this sequence number
	msgJoin                  // delta: id joined group
	msgLeave                 // delta: id left group
	msgFull                  // one chunk of a snapshot
	msgBye                   // leaving cleanly: forget me now

	cmdSend   // queue a frame to a session
	cmdClose  // close a session
	cmdAdd    // add a session to a group
	cmdRemove // remove a session from a group
	cmdSync   // publish your snapshot (a receiver missed deltas)
)

var errShortMessage = errors.New("cluster: malformed message")

// wire appends fields: uvarints and length-prefixed strings.
type wire []byte

func (w wire) uint(v uint64) wire { return binary.AppendUvarint(w, v) }

func (w wire) str(s string) wire { return append(binary.AppendUvarint(w, uint64(len(s))), s...) }

// reader takes fields in order; the first failure sticks in err.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShortMessage
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errShortMessage
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

func (r *reader) str() string { return string(r.bytes()) }

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errShortMessage
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// stateHeader starts every state message.
type stateHeader struct {
	kind  byte
	node  string
	epoch uint64
	seq   uint64
}

func (h stateHeader) append(w wire) wire {
	return append(w, h.kind).str(h.node).uint(h.epoch).uint(h.seq)
}

func readStateHeader(r *reader) stateHeader {
	return stateHeader{kind: r.byte(), node: r.str(), epoch: r.uint(), seq: r.uint()}
}
