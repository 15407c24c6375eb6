package websocket

// NewTestSession makes a session that is not connected to anything, for
// benchmarks and tests of code that builds on sessions (the JavaScript
// event objects).
func NewTestSession(id, path string, params map[string][]string, data map[string]string) *Session {
	return &Session{id: id, path: path, params: params, data: data}
}
