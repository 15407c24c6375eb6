package controller

import (
	"context"
	"errors"

	"github.com/dop251/goja"
)

// failureKind is what went wrong with a call, in the terms the error page,
// WebSocket error events, the log and the metrics all use.
type failureKind int

const (
	failOther     failureKind = iota
	failCanceled              // the HTTP client went away
	failShutdown              // the server is stopping
	failBusy                  // no runtime became free in time
	failTimeout               // --js-timeout interrupted the call
	failOverflow              // --js-max-stack stopped a recursion
	failMemory                // --js-max-memory stopped the call
	failException             // the script threw
	failUnsettled             // the handler's Promise could never settle
)

// failure describes a failed call once, for every party that reports it.
type failure struct {
	kind    failureKind
	message string // what the client sees, and event.error: XP's exception message
	stack   string // the JavaScript stack, shown in dev mode only
}

// describe classifies the error a call returned.
func describe(err error) failure {
	var exc *goja.Exception
	var overflow *goja.StackOverflowError
	switch {
	case errors.Is(err, context.Canceled):
		return failure{kind: failCanceled, message: err.Error()}
	case errors.Is(err, ErrShutdown):
		return failure{kind: failShutdown, message: ErrShutdown.Error()}
	case errors.Is(err, ErrBusy):
		return failure{kind: failBusy, message: ErrBusy.Error()}
	case errors.Is(err, ErrMemory):
		return failure{kind: failMemory, message: ErrMemory.Error() + " (--js-max-memory)", stack: err.Error()}
	case errors.Is(err, errUnsettled):
		return failure{kind: failUnsettled, message: errUnsettled.Error()}
	case errors.Is(err, ErrTimeout):
		return failure{kind: failTimeout, message: ErrTimeout.Error(), stack: err.Error()}
	case errors.As(err, &overflow):
		return failure{kind: failOverflow, message: "RangeError: Maximum call stack size exceeded", stack: overflow.String()}
	case errors.As(err, &exc):
		return failure{kind: failException, message: exc.Value().String(), stack: exc.String()}
	}
	return failure{kind: failOther, message: err.Error()}
}
