package websocket

// Application events are what a script sends other nodes besides group
// messages: Enonic XP's distributed events (/lib/xp/event). The hub only
// carries them, as opaque bytes, over its cluster; what they mean is the
// JavaScript engine's business.

// OnEvent sets the function that receives the events other nodes of the
// cluster publish for this application (nil: they are ignored). It runs
// on the cluster's receiving goroutine and must not block.
func (h *Hub) OnEvent(fn func(data []byte)) {
	if fn == nil {
		h.onEvent.Store(nil)
		return
	}
	h.onEvent.Store(&fn)
}

// PublishEvent ships an event to the hub of this application on every
// other node; alone on its node the hub has no one to tell. An event
// longer than MaxMessage is the caller's to refuse: the other nodes drop
// it as malformed.
func (h *Hub) PublishEvent(data []byte) { h.cluster.PublishEvent(data) }

// MaxEvent is the longest event the other nodes accept: the longest
// message (Options.MaxMessage).
func (h *Hub) MaxEvent() int64 { return h.opts.MaxMessage }
