package cluster

// snapshotChunk bounds one snapshot message, well under NATS's default
// max_payload of 1 MiB.
const snapshotChunk = 256 << 10

// requestSnapshot asks run to publish this node's snapshot; requests that
// arrive meanwhile share it.
func (c *Node) requestSnapshot() {
	select {
	case c.fullReq <- struct{}{}:
	default:
	}
}

// publishSnapshot publishes every local membership, in chunks, at the
// current seq. The hub holds membership changes (and so deltas, which it
// publishes under its group lock) off until the last chunk is out.
func (c *Node) publishSnapshot() {
	c.hub.Memberships(func(groups map[string][]string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		bodies := snapshotBodies(groups)
		for i, b := range bodies {
			last := byte(0)
			if i == len(bodies)-1 {
				last = 1
			}
			msg := append(stateHeader{msgFull, c.node, c.epoch, c.seq}.append(nil).uint(uint64(i)), last)
			c.publish(c.subj.state, append(msg, b...))
		}
	})
}

// snapshotBodies encodes groups as chunk bodies of about snapshotChunk
// bytes each; there is always one, if empty, so an empty state is said too.
func snapshotBodies(groups map[string][]string) []wire {
	var bodies []wire
	var body wire
	n := 0 // groups in body
	flush := func() {
		bodies = append(bodies, wire(nil).uint(uint64(n)).append(body...))
		body, n = body[:0:0], 0
	}
	for name, ids := range groups {
		// A large group spans chunks: each carries some of its members.
		for len(ids) > 0 {
			k, size := 0, len(body)+len(name)
			for k < len(ids) && (k == 0 || size < snapshotChunk) {
				size += len(ids[k]) + 1
				k++
			}
			body = body.str(name).uint(uint64(k))
			for _, id := range ids[:k] {
				body = body.str(id)
			}
			n++
			ids = ids[k:]
			if len(body) >= snapshotChunk {
				flush()
			}
		}
	}
	if n > 0 || len(bodies) == 0 {
		flush()
	}
	return bodies
}

func readSnapshot(r *reader) map[string][]string {
	n := r.uint()
	entries := make(map[string][]string)
	for i := uint64(0); i < n && r.err == nil; i++ {
		group, count := r.str(), r.uint()
		if count > uint64(len(r.b)) {
			r.err = errShortMessage
			break
		}
		ids := entries[group]
		for j := uint64(0); j < count && r.err == nil; j++ {
			ids = append(ids, r.str())
		}
		entries[group] = ids
	}
	return entries
}

func (w wire) append(b ...byte) wire { return append(w, b...) }
