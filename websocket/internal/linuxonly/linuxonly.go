// Package linuxonly stops a build for another system at its first step,
// with a message that says why. duplex's I/O engine is Linux's epoll
// (websocket/poller_linux.go, fd_linux.go); without this package, a build
// for macOS or Windows failed deep in package websocket with a list of
// undefined symbols (poller, readFD, wouldBlock) that explained nothing.
// Packages build after their imports, so this error is the only one shown.
package linuxonly
