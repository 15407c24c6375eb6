//go:build !linux

package linuxonly

// The compiler prints this name: duplex builds and runs on Linux only.
var _ = duplex_runs_on_Linux_only_its_WebSocket_engine_is_epoll
