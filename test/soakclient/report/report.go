// Package report is the summary the soak client prints on stdout as JSON,
// shared by the client and the test that reads it.
package report

// Summary is one soak run's accounting: what was sent, what arrived, and
// what went wrong.
type Summary struct {
	Sessions           int              `json:"sessions"`
	Rooms              int              `json:"rooms"`
	RoomSize           int              `json:"room_size"`
	Connected          int              `json:"connected"`
	Joined             int64            `json:"joined"`
	Sent               int64            `json:"sent"`
	ExpectedDeliveries int64            `json:"expected_deliveries"`
	Received           int64            `json:"received"`
	Lost               int64            `json:"lost"`
	Reordered          int64            `json:"reordered"`
	Duplicates         int64            `json:"duplicates"`
	Unexpected         int64            `json:"unexpected"`
	Errors             int64            `json:"errors"`
	ErrorKinds         map[string]int64 `json:"error_kinds,omitempty"`
	ErrorSamples       []string         `json:"error_samples,omitempty"`
	Anomalies          []string         `json:"anomalies,omitempty"`
	ConnectSeconds     float64          `json:"connect_seconds"`
	ChatSeconds        float64          `json:"chat_seconds"`
	DrainSeconds       float64          `json:"drain_seconds"`
	CloseSeconds       float64          `json:"close_seconds"`
	ElapsedSeconds     float64          `json:"elapsed_seconds"`
	MessagesPerSecond  float64          `json:"messages_per_second"`
	DeliveriesPerSec   float64          `json:"deliveries_per_second"`
	LatencyP50Ms       float64          `json:"latency_p50_ms"`
	LatencyP99Ms       float64          `json:"latency_p99_ms"`
	LatencyP999Ms      float64          `json:"latency_p999_ms"`
	LatencyMaxMs       float64          `json:"latency_max_ms"`
	ClientCPUSeconds   float64          `json:"client_cpu_seconds"`
	Status             string           `json:"status"`
	OK                 bool             `json:"ok"`
}
