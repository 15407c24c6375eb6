package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"duplex/app"
	"duplex/app/auth"
	"duplex/controller"
)

// options is the parsed command line of `duplex serve`.
type options struct {
	apps           []string
	logLevel       string
	regexpTimeout  time.Duration
	maxConnections int
	maxPerIP       int
	auth           auth.Options
	cfg            app.Config
	configFile     string
}

// listFlag collects a repeatable flag; from the environment it takes a
// comma-separated list.
type listFlag struct{ values *[]string }

func (l listFlag) String() string {
	if l.values == nil {
		return ""
	}
	return strings.Join(*l.values, ",")
}

func (l listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l.values = append(*l.values, s)
		}
	}
	return nil
}

// secretFlags may be set from the environment only.
var secretFlags = []string{"session-secret", "cluster-secret"}

// envName is the environment variable that stands in for a flag.
func envName(flagName string) string {
	return "DUPLEX_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseServeFlags reads serve's settings from, in rising precedence, the
// defaults, the --config file, the environment and the command line. For
// --help it writes the help to stdout and returns flag.ErrHelp.
func parseServeFlags(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	cmd := newCommand("serve", "duplex serve [flags]", serveIntro, serveGroups()...)
	fs := cmd.fs
	c := &o.cfg
	// Every default comes from the packages that own it, through one list.
	d := app.DefaultConfig()
	fs.StringVar(&o.configFile, "config", "", "settings `FILE` (TOML) whose keys are these flags' names, as in js-timeout = \"10s\" or app = [\"./myapp\"]; the environment and the command line override it")
	fs.StringVar(&c.Addr, "addr", d.Addr, "listen address, host:port (port 0 picks a free port)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "certificate `FILE` (PEM, the chain after the leaf) to serve HTTPS and wss:// on --addr; with --tls-key; SIGHUP reads both again")
	fs.StringVar(&c.TLSKey, "tls-key", "", "private key `FILE` (PEM) of --tls-cert")
	fs.Var(listFlag{&c.TrustProxy}, "trust-proxy", "CIDRs or addresses of reverse proxies whose X-Forwarded-For, -Proto and -Host give the client's address, scheme and host; repeat or comma-separate")
	fs.Var(listFlag{&o.apps}, "app", "application folder; repeat for several apps, the first one also answers `/` (default: the bundled chat)")
	fs.IntVar(&c.JSWorkers, "js-workers", d.JSWorkers, "JavaScript runtimes per application; module-level variables live per runtime")
	fs.DurationVar(&c.JSTimeout, "js-timeout", d.JSTimeout, "longest a controller call may run before it is interrupted")
	fs.IntVar(&c.JSMaxCallStack, "js-max-stack", d.JSMaxCallStack, "deepest JavaScript call stack before a RangeError-like failure")
	fs.Int64Var(&c.JSMaxMemory, "js-max-memory", defaultJSMaxMemory(), "heap bytes past which the longest-running script call is stopped (500 / close 1011), and a quarter of which one built-in may allocate at once (RangeError past it); 0 for no limit (default: half the memory of the machine or its cgroup)")
	fs.IntVar(&c.JSEventQueue, "js-event-queue", d.JSEventQueue, "events (/lib/xp/event) that may wait for an application's main.js listeners; past it event.send throws and events from other nodes are dropped")
	fs.DurationVar(&o.regexpTimeout, "js-regexp-timeout", controller.DefaultRegexpTimeout, "longest one backtracking regexp match may run; it then reports no match")
	fs.Int64Var(&c.MaxBody, "max-body", d.MaxBody, "largest request body, in bytes, a controller may read (413 above it)")
	fs.Int64Var(&c.MaxBufferedBodies, "max-buffered-bodies", d.MaxBufferedBodies, "request body bytes held in memory at once, all requests together; past it a request gets 503 before its body is read")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", d.ShutdownTimeout, "how long shutdown waits for in-flight requests")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "how long a client may take to send its request headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", d.ReadTimeout, "how long a client may take to send a whole request, body included")
	fs.IntVar(&c.MaxHeaderBytes, "max-header-bytes", d.MaxHeaderBytes, "largest request header block, in bytes (431 above it)")
	ws := &c.WebSocket
	fs.Int64Var(&ws.MaxMessage, "ws-max-message", d.WebSocket.MaxMessage, "largest WebSocket message, in bytes; a larger one closes the session with 1009")
	fs.DurationVar(&ws.IdleTimeout, "ws-idle-timeout", d.WebSocket.IdleTimeout, "a WebSocket session silent this long is closed with 1001")
	fs.DurationVar(&ws.PingInterval, "ws-ping-interval", d.WebSocket.PingInterval, "how often a quiet WebSocket peer is pinged, to find dead ones")
	fs.IntVar(&ws.MaxBacklog, "ws-max-backlog", d.WebSocket.MaxBacklog, "outbound bytes a WebSocket session may have queued; a slower reader is closed with 1008")
	fs.DurationVar(&ws.HandshakeTimeout, "ws-handshake-timeout", d.WebSocket.HandshakeTimeout, "longest the WebSocket handshake response may take to write")
	fs.IntVar(&o.maxConnections, "max-connections", defaultMaxConnections(), "connections the server holds at once, HTTP connections and WebSocket sessions of all apps together; past it a new one gets 503, after idle keep-alive connections were closed to make room (default: 90% of the open-file limit)")
	fs.IntVar(&o.maxPerIP, "max-connections-per-ip", 4096, "connections one client address (an IPv6 /64) may hold at once; 0 for no cap")
	fs.Var(listFlag{&ws.AllowedOrigins}, "allowed-origins", "origins (scheme://host[:port]) allowed to open WebSockets, and to post the login form, besides the server's own; repeat or comma-separate")
	fs.Var(listFlag{&c.OutboundAllow}, "outbound-allow", "CIDRs and host names that scripts may connect to (WebSocket clients) although loopback, private or link-local; repeat or comma-separate")
	fs.IntVar(&c.MaxClients, "ws-max-clients", d.MaxClients, "outbound WebSocket clients (Dirigible's createWebsocket) open at once, all apps together")
	fs.BoolVar(&c.DirigibleV2, "dirigible-v2", false, "serve Eclipse Dirigible 2's service channel at ws://HOST/service/js (each frame runs a module)")
	fs.StringVar(&o.auth.UsersFile, "users", "", "`FILE` of users of the system id provider (see duplex user add); without it login is unavailable")
	fs.StringVar(&o.auth.SessionSecret, "session-secret", "", "secret (32+ characters) signing session cookies; from the environment only, never on the command line, where ps shows it (default: generated once into FILE.secret beside --users)")
	fs.StringVar(&o.auth.SessionSecretFile, "session-secret-file", "", "`FILE` holding the secret (32+ characters) that signs session cookies")
	fs.DurationVar(&o.auth.SessionTTL, "session-ttl", auth.DefaultSessionTTL, "how long a login lasts")
	cl := &c.Cluster
	fs.Var(listFlag{&cl.NATS}, "nats", "join a cluster through these NATS servers, nats://HOST:PORT; repeat or comma-separate")
	fs.BoolVar(&cl.Embed, "nats-embed", false, "join a cluster through a NATS server run inside this process (see --nats-listen, --nats-routes)")
	fs.StringVar(&cl.Listen, "nats-listen", "", "with --nats-embed: HOST:PORT where the embedded NATS server takes routes from the other nodes' servers (an empty HOST is 127.0.0.1; beyond loopback it needs the cluster secret)")
	fs.Var(listFlag{&cl.Routes}, "nats-routes", "with --nats-embed: the other nodes' --nats-listen addresses, nats://HOST:PORT; repeat or comma-separate")
	fs.DurationVar(&cl.TTL, "cluster-ttl", d.Cluster.TTL, "a cluster node silent this long (killed, cut off) leaves the other nodes' group sizes and member lists")
	fs.StringVar(&cl.NodeID, "node-id", "", "this node's name in the cluster and prefix of its session ids: letters, digits, '_' (default: random at each start)")
	fs.StringVar(&cl.Secret, "cluster-secret", "", "shared secret (32+ characters) that nodes and the embedded NATS server authenticate with; from the environment only, never on the command line")
	fs.StringVar(&cl.SecretFile, "cluster-secret-file", "", "`FILE` holding the cluster secret")
	fs.StringVar(&cl.Creds, "nats-creds", "", "with --nats: NATS credentials `FILE` (JWT and nkey seed) to connect with")
	fs.StringVar(&cl.TLSCert, "nats-tls-cert", "", "certificate `FILE` (PEM) of this node: TLS for the embedded server's routes, or the client certificate for --nats")
	fs.StringVar(&cl.TLSKey, "nats-tls-key", "", "private key `FILE` (PEM) of --nats-tls-cert")
	fs.StringVar(&cl.TLSCA, "nats-tls-ca", "", "CA certificate `FILE` (PEM) the other nodes' (or --nats servers') certificates must be signed by")
	fs.BoolVar(&c.NetHTTPOnly, "net-http", false, "serve every connection with Go's net/http, without the epoll fast path for plain HTTP/1.1 keep-alive requests (slower: for comparison, or should the fast path misbehave)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics (off when empty; keep it private)")
	fs.BoolVar(&c.Pprof, "pprof", false, "also serve Go's profiler at http://ADDR/debug/pprof/ on the --metrics-addr listener")
	fs.Int64Var(&c.GCHeapFloor, "gc-heap-floor", d.GCHeapFloor, "heap bytes below which Go's garbage collector does not run: fewer collections while the live heap is small; 0 for Go's own pacing (so does GOGC in the environment)")
	fs.BoolVar(&c.Dev, "dev", false, "development mode: human-readable logs, stack traces on error pages, edited scripts reloaded on the next call")
	fs.StringVar(&o.logLevel, "log-level", "info", "least severe log level written: debug, info, warn, error")
	rest, set, err := cmd.parse(args, stdout)
	if err == nil {
		err = cmd.noArgs(rest)
	}
	if err != nil {
		return nil, err
	}
	for _, name := range secretFlags {
		if set[name] {
			return nil, fmt.Errorf("--%s on the command line is visible to every user of the machine (ps, /proc); set %s in the environment instead, or use --%s-file", name, envName(name), name)
		}
	}
	fromEnv := map[string]bool{}
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := os.LookupEnv(envName(f.Name)); ok && !set[f.Name] && envErr == nil {
			fromEnv[f.Name] = true
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%s: %w", envName(f.Name), shellQuote(v), valueError(f, v, err))
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if o.configFile != "" {
		err := cmd.loadConfig(o.configFile, func(name string) bool { return set[name] || fromEnv[name] })
		if err != nil {
			return nil, err
		}
	}
	if c.Pprof && c.MetricsAddr == "" {
		return nil, errors.New("--pprof serves the profiler on the --metrics-addr listener: set --metrics-addr too")
	}
	return o, nil
}

// serveIntro is what serve --help says before the flags.
const serveIntro = `Serves the applications of the --app folders (without one, the bundled chat).

Every flag can also be set in the environment, as DUPLEX_<FLAG> (for
--js-workers: DUPLEX_JS_WORKERS), and in the --config file, as
<flag> = value (js-workers = 4). The command line wins over the
environment, which wins over the file.`

// serveGroups orders serve --help. A flag declared in parseServeFlags and
// listed nowhere here is still shown, under "Other flags", and still has
// its environment variable and its config key.
func serveGroups() []flagGroup {
	return []flagGroup{
		{"Applications", []string{"app DIR", "dev", "log-level LEVEL", "config"}},
		{"HTTP", []string{"addr HOST:PORT", "tls-cert", "tls-key", "trust-proxy CIDR|HOST", "max-connections", "max-connections-per-ip", "max-body BYTES", "max-buffered-bodies BYTES",
			"max-header-bytes BYTES", "read-header-timeout", "read-timeout", "shutdown-timeout", "allowed-origins ORIGIN", "net-http"}},
		{"JavaScript", []string{"js-workers", "js-timeout", "js-max-stack", "js-max-memory BYTES", "gc-heap-floor BYTES", "js-event-queue",
			"js-regexp-timeout", "outbound-allow CIDR|HOST", "ws-max-clients", "dirigible-v2"}},
		{"WebSockets", []string{"ws-max-message BYTES", "ws-idle-timeout", "ws-ping-interval", "ws-max-backlog BYTES", "ws-handshake-timeout"}},
		{"Login", []string{"users", "session-secret-file", "session-secret SECRET", "session-ttl"}},
		{"Cluster", []string{"nats URL", "nats-embed", "nats-listen HOST:PORT", "nats-routes URL", "cluster-ttl", "node-id ID",
			"cluster-secret-file", "cluster-secret SECRET", "nats-creds", "nats-tls-cert", "nats-tls-key", "nats-tls-ca"}},
		{"Monitoring", []string{"metrics-addr HOST:PORT", "pprof"}},
	}
}

// defaultMaxConnections leaves a tenth of the open-file limit (Go raises
// the soft limit to the hard one at start-up) for HTTP clients and files, so
// that a flood of sockets is refused with 503 rather than starving accept().
func defaultMaxConnections() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<24 {
		return 0
	}
	n := int(rl.Cur) - int(rl.Cur)/10 - 100
	return max(n, 1)
}

// newLogger writes JSON lines to stderr, or a console format with --dev.
func newLogger(o *options, stderr io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(o.logLevel)
	if err != nil || o.logLevel == "" {
		return zerolog.Nop(), fmt.Errorf("--log-level %q: use debug, info, warn or error", o.logLevel)
	}
	var out io.Writer = stderr
	if o.cfg.Dev {
		out = zerolog.ConsoleWriter{Out: stderr, TimeFormat: "15:04:05.000"}
	}
	return zerolog.New(out).Level(level).Hook(millisecondTime{}), nil
}

// millisecondTime stamps each line with its time to the millisecond, RFC
// 3339 ("2026-11-30T10:10:50.123Z"). zerolog's own Timestamp writes whole
// seconds unless its package-wide TimeFieldFormat is changed, and --dev's
// console lines then all ended in .000.
type millisecondTime struct{}

func (millisecondTime) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	e.Str(zerolog.TimestampFieldName, time.Now().Format("2006-01-02T15:04:05.000Z07:00"))
}

// defaultJSMaxMemory is half of what the process may use: its cgroup's
// limit if it has one, else the machine's memory. Half leaves room for the
// rest of the server and for the garbage collector's headroom.
func defaultJSMaxMemory() int64 {
	if data, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil && n > 0 {
			return n / 2
		}
	}
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb << 10 / 2
				}
			}
		}
	}
	return 0
}
