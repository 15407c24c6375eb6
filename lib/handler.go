package lib

// HandlerEvent is one event for an Eclipse Dirigible handler module: a
// module exporting onOpen(), onMessage(message), onError(error) and
// onClose(), as *.websocket descriptors and outbound clients name them.
type HandlerEvent struct {
	// Method is what net/websockets.getMethod() answers: "onopen",
	// "onmessage", "onerror" or "onclose".
	Method  string
	Message string // onmessage
	Error   string // onerror
}

// The four values of HandlerEvent.Method, as Dirigible spells them.
const (
	MethodOpen    = "onopen"
	MethodMessage = "onmessage"
	MethodError   = "onerror"
	MethodClose   = "onclose"
)

// HandlerDispatcher runs Dirigible handler modules named the way Dirigible
// names them ("my-project/ws-handler": the module ws-handler.js of the
// application my-project), in whichever application holds them.
type HandlerDispatcher interface {
	// Dispatch runs ev in the handler module ref. from is the runtime of
	// the call that raised the event (onOpen inside createWebsocket), or nil
	// for an event from the network; a handler of from's application then
	// runs on that runtime, within that call's time limit, instead of
	// waiting for a free one. An error is returned only when the event
	// could not run at all (unknown handler, no free runtime); what the
	// handler threw is logged and given to its onError.
	Dispatch(ref string, ev HandlerEvent, from *Env) error
	// Check reports why ref names no handler module, nil when it does:
	// createWebsocket asks before it connects anywhere.
	Check(ref string) error
}
