package controller

import (
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"
)

// taggedLoggers are the `log` and `console` one module sees.
type taggedLoggers struct {
	log, console *goja.Object
}

// loggers returns module's `log` and `console`, made once per runtime.
func (w *worker) loggers(module string) taggedLoggers {
	if t, ok := w.tagged[module]; ok {
		return t
	}
	logger := w.engine.log.With().Str("module", module).Logger()
	t := taggedLoggers{log: w.logObject(logger), console: w.consoleObject(logger)}
	w.tagged[module] = t
	return t
}

// logLevel names a logging function and the level it writes at.
type logLevel struct {
	name  string
	level zerolog.Level
}

// xpLevels are `log`'s, consoleLevels `console`'s.
var (
	xpLevels = []logLevel{
		{"debug", zerolog.DebugLevel}, {"info", zerolog.InfoLevel},
		{"warning", zerolog.WarnLevel}, {"error", zerolog.ErrorLevel},
	}
	consoleLevels = []logLevel{
		{"log", zerolog.InfoLevel}, {"info", zerolog.InfoLevel}, {"warn", zerolog.WarnLevel},
		{"error", zerolog.ErrorLevel}, {"debug", zerolog.DebugLevel}, {"trace", zerolog.DebugLevel},
	}
)

// logObject is the `log` a module sees: XP's four levels, each tagged with
// the module's path so that a reader can tell which script spoke.
func (w *worker) logObject(logger zerolog.Logger) *goja.Object {
	return w.loggerObject(logger, xpLevels, w.formatLog)
}

// consoleObject is the `console` Eclipse Dirigible's scripts (and anyone
// coming from Node or a browser) log with: its arguments are joined with
// spaces, objects as JSON, through the same tagged logger as `log`.
func (w *worker) consoleObject(logger zerolog.Logger) *goja.Object {
	return w.loggerObject(logger, consoleLevels, func(args []goja.Value) string {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = w.logString(a)
		}
		return strings.Join(parts, " ")
	})
}

// loggerObject has one function per level, each writing its arguments as
// format renders them, with the file, line and column of the call; all of
// it is skipped below the log level.
func (w *worker) loggerObject(logger zerolog.Logger, levels []logLevel, format func([]goja.Value) string) *goja.Object {
	o := w.vm.NewObject()
	for _, l := range levels {
		level := l.level
		_ = o.Set(l.name, func(c goja.FunctionCall) goja.Value {
			if ev := logger.WithLevel(level); ev != nil {
				// Where in the module, as the user wrote it (source-mapped).
				if at := w.callerPosition(); at != "" {
					ev = ev.Str("at", at)
				}
				ev.Msg(format(c.Arguments))
			}
			return goja.Undefined()
		})
	}
	return o
}

// formatLog renders XP's String.format-style arguments: %s takes the next
// argument, objects and arrays print as JSON, %% is a percent sign.
func (w *worker) formatLog(args []goja.Value) string {
	if len(args) == 0 {
		return ""
	}
	format, ok := args[0].Export().(string)
	if !ok {
		return w.logString(args[0])
	}
	rest := args[1:]
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case '%':
			b.WriteByte('%')
		case 'n':
			b.WriteByte('\n')
		case 's', 'd', 'f', 'b', 'S':
			if len(rest) == 0 {
				b.WriteString("%" + string(format[i]))
				continue
			}
			b.WriteString(w.logString(rest[0]))
			rest = rest[1:]
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}

func (w *worker) logString(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if goja.IsNull(v) {
		return "null"
	}
	if o, ok := v.(*goja.Object); ok && o.ClassName() != "Function" && o.ClassName() != "Error" {
		data, err := w.marshal(o)
		if err == nil {
			return string(data)
		}
	}
	if n, ok := v.Export().(float64); ok {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return v.String()
}
