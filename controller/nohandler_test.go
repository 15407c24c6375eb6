package controller

import "testing"

func TestNearMiss(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  string
	}{
		{[]string{"get", "websocketEvent"}, "websocketEvent"},
		{[]string{"get", "websocketevent"}, "websocketevent"},
		{[]string{"WEBSOCKETEVENT"}, "WEBSOCKETEVENT"},
		{[]string{"webSocketEvents", "post"}, "webSocketEvents"},
		{[]string{"onWebSocketEvent"}, "onWebSocketEvent"},
		{[]string{"webSocketEvnt"}, "webSocketEvnt"},
		// The closest of two.
		{[]string{"onWebSocketEvent", "websocketEvent"}, "websocketEvent"},
		{[]string{"get", "post", "all"}, ""},
		{[]string{"socketEvent"}, ""},    // three edits
		{[]string{"webSocket"}, ""},      // five
		{[]string{"onSocketEvents"}, ""}, // four
		{nil, ""},
	} {
		if got := nearMiss(c.names, socketExport); got != c.want {
			t.Errorf("nearMiss(%q) = %q, want %q", c.names, got, c.want)
		}
	}
}
