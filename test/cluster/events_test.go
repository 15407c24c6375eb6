package cluster

import (
	"fmt"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestClusterEvents: XP's way of reaching every node. An event sent with
// distributed: true reaches main.js's listeners on every node once
// (localOrigin only where it was sent, localOnly listeners only there),
// and XP's cluster chat, where each node's listener sends to its group,
// delivers every message to every socket exactly once.
func TestClusterEvents(t *testing.T) {
	nodes := startEmbeddedClusterApp(t, 3, "events", nil)
	var observers []*harness.WS
	var chats []*harness.WS
	for i, s := range nodes {
		o := harness.DialWS(t, s, "/_/service/events/observe", harness.WSOpts{})
		o.Name = fmt.Sprintf("observer%d", i+1)
		if m := o.ReadJSON(); m["listener"] != "welcome" {
			t.Fatalf("observer %d: %v", i+1, m)
		}
		observers = append(observers, o)
		c := harness.DialWS(t, s, "/_/service/events/chat", harness.WSOpts{})
		c.Name = fmt.Sprintf("chat%d", i+1)
		c.ExpectText("welcome")
		chats = append(chats, c)
	}
	// The links are up once every node counts every observer.
	deadline := time.Now().Add(harness.Wait)
	for i := 0; i < len(nodes); {
		if harness.Get(t, nodes[i].URL+"/_/service/events/size?group=observe").Body == "3" {
			i++
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d never counted 3 observers", i+1)
		}
		time.Sleep(20 * time.Millisecond)
	}

	r := harness.Post(t, nodes[1].URL+"/_/service/events/send", "application/json", `{"type": "local-ping", "distributed": true, "data": {"n": 7}}`)
	harness.WantStatus(t, r, 200, "send")
	r = harness.Post(t, nodes[1].URL+"/_/service/events/send", "application/json", `{"type": "marker", "distributed": true}`)
	harness.WantStatus(t, r, 200, "send marker")
	for i, o := range observers {
		m := o.ReadJSON()
		ev, _ := m["event"].(map[string]any)
		data, _ := ev["data"].(map[string]any)
		if m["listener"] != "all" || ev["type"] != "custom.local-ping" || ev["distributed"] != true || data["n"] != float64(7) {
			t.Fatalf("node %d: %v", i+1, m)
		}
		if origin := ev["localOrigin"] == true; origin != (i == 1) {
			t.Fatalf("node %d: localOrigin %v", i+1, ev["localOrigin"])
		}
		if i == 1 {
			if m := o.ReadJSON(); m["listener"] != "localOnly" {
				t.Fatalf("node 2, the sender: %v, want the localOnly listener's report", m)
			}
		}
		// Nothing else (a second copy, a localOnly report from another
		// node) before the marker.
		if m := o.ReadJSON(); m["listener"] != "all" || m["event"].(map[string]any)["type"] != "custom.marker" {
			t.Fatalf("node %d: %v, want the marker", i+1, m)
		}
	}

	// Exactly once per socket: a marker sent after each message travels
	// the same path, so a copy would come before it.
	for i, from := range chats {
		text := fmt.Sprintf("hello from chat%d", i+1)
		from.SendText(text)
		from.SendText("marker")
		for _, c := range chats {
			c.ExpectText(text)
			c.ExpectText("marker")
		}
	}
}
