package cluster

// An authenticated, private cluster: nodes and the embedded NATS server
// take only those who present the cluster secret.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"duplex/test/harness"
)

const (
	clusterSecret = "cluster-secret-0123456789abcdef-0123"
	otherSecret   = "another-secret-0123456789abcdef-0123"
)

// natsClientsAddr is where a node's embedded server takes clients, from its
// log.
func natsClientsAddr(t *testing.T, s *harness.Server) string {
	t.Helper()
	e := s.WaitLog(t, func(e harness.LogEntry) bool { return e.Message() == "cluster: embedded NATS server ready" }, harness.StartDeadline)
	addr, _ := e.Fields["clients"].(string)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("embedded NATS clients on %q, want loopback", addr)
	}
	return addr
}

// authError matches the embedded server's refusal of a client (cid) or a
// route (rid).
func authError(kind string) func(harness.LogEntry) bool {
	return func(e harness.LogEntry) bool {
		return e.Fields["nats"] == "embedded" && e.Has("authentication error", kind)
	}
}

// TestClusterAuth: nodes with the secret form a cluster; a NATS client
// without it (or with another) is refused by the embedded server, a fake
// route peer without it is refused, and a node with another secret does
// not join.
func TestClusterAuth(t *testing.T) {
	t.Parallel()
	nodes := startEmbeddedClusterEnv(t, 2, []string{"DUPLEX_CLUSTER_SECRET=" + clusterSecret})
	a := joinChat(t, nodes[0], "alice")
	b := joinChat(t, nodes[1], "bob")
	waitGroupSize(t, nodes, "room", 2, harness.Wait)
	a.command(map[string]any{"op": "group", "text": "over the authenticated cluster"})
	a.expect("group", "over the authenticated cluster")
	b.expect("group", "over the authenticated cluster")

	addr := natsClientsAddr(t, nodes[0])
	for _, opts := range [][]nats.Option{nil, {nats.Token(otherSecret)}} {
		nc, err := nats.Connect("nats://"+addr, append(opts, nats.NoReconnect())...)
		if err == nil {
			nc.Close()
			t.Fatal("a NATS client without the cluster secret connected to the embedded server")
		}
		if !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
			t.Errorf("unauthenticated client: %v, want an authorization violation", err)
		}
	}
	nodes[0].WaitLog(t, authError("cid:"), harness.Wait)
	nc, err := nats.Connect("nats://"+addr, nats.Token(clusterSecret), nats.NoReconnect())
	if err != nil {
		t.Fatalf("control: a client with the secret: %v", err)
	}
	nc.Close()

	// A NATS server that routes to node 1 without credentials.
	routeAddr := nodeRouteAddr(t, nodes[0])
	fake, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true,
		Cluster: server.ClusterOpts{Name: "duplex", Host: "127.0.0.1", Port: server.RANDOM_PORT},
		Routes:  server.RoutesFromStr("nats://" + routeAddr)})
	if err != nil {
		t.Fatal(err)
	}
	fake.Start()
	t.Cleanup(fake.Shutdown)
	// The refusal, in node 1's words. (The fake's own route count is no
	// evidence: it counts a route while the handshake is under way.)
	nodes[0].WaitLog(t, authError("rid:"), harness.Wait)

	// A node with another secret routes to node 1 and is refused.
	before := nodes[0].CountLogs(authError("rid:"))
	intruder := duplex.StartOpts(t, harness.Opts{
		Args: []string{"--app", harness.App("cluster"), "--node-id", "intruder", "--nats-embed", "--nats-listen", "127.0.0.1:0",
			"--nats-routes", "nats://" + routeAddr, "--cluster-ttl", clusterTTL.String()},
		Env: []string{"DUPLEX_CLUSTER_SECRET=" + otherSecret},
	})
	nodes[0].WaitLogCount(t, authError("rid:"), before+1, harness.Wait)
	joinChat(t, intruder, "mallory")
	if g := nodeGroup(t, intruder, "room"); g.Size != 1 {
		t.Errorf("the intruder sees %d room members, want only its own", g.Size)
	}
	if g := nodeGroup(t, nodes[0], "room"); g.Size != 2 {
		t.Errorf("node 1 sees %d room members, want 2 (the intruder's is not one)", g.Size)
	}
}

// nodeRouteAddr is where a node's embedded server takes routes, from its
// log.
func nodeRouteAddr(t *testing.T, s *harness.Server) string {
	t.Helper()
	e := s.WaitLog(t, func(e harness.LogEntry) bool { return e.Message() == "cluster: embedded NATS server ready" }, harness.StartDeadline)
	addr, _ := e.Fields["routes"].(string)
	if addr == "" {
		t.Fatalf("no route address in %s", e.Raw)
	}
	return addr
}

// TestClusterRefusesOpenListener: a route listener beyond loopback needs
// the secret; an empty host is loopback; secrets come from the
// environment or a file, never the command line, and are long enough.
func TestClusterRefusesOpenListener(t *testing.T) {
	t.Parallel()
	out := duplex.ExpectStartFailure(t, "--app", harness.App("cluster"), "--nats-embed", "--nats-listen", "0.0.0.0:0")
	if !strings.Contains(out, "DUPLEX_CLUSTER_SECRET") || !strings.Contains(out, "beyond loopback") {
		t.Errorf("open listener without a secret: %s", out)
	}
	out = duplex.ExpectStartFailure(t, "--app", harness.App("cluster"), "--nats-embed", "--cluster-secret", clusterSecret)
	if !strings.Contains(out, "DUPLEX_CLUSTER_SECRET") || strings.Contains(out, clusterSecret) {
		t.Errorf("--cluster-secret on the command line: %s", out)
	}
	s := duplex.Launch(t, harness.Opts{Args: []string{"--app", harness.App("cluster"), "--nats-embed"}, Env: []string{"DUPLEX_CLUSTER_SECRET=short"}, NoCheck: true})
	if code := s.WaitExit(t, harness.StartDeadline); code == 0 || !strings.Contains(s.Stderr(), "at least 32 characters") {
		t.Errorf("a short cluster secret: exit %d, %s", code, s.Stderr())
	}
	// From a file: too short is refused, long enough authenticates.
	short := filepath.Join(t.TempDir(), "short")
	harness.WriteFile(t, short, "short\n")
	if out := duplex.ExpectStartFailure(t, "--app", harness.App("cluster"), "--nats-embed", "--cluster-secret-file", short); !strings.Contains(out, "at least 32 characters") {
		t.Errorf("a short secret in --cluster-secret-file: %s", out)
	}
	good := filepath.Join(t.TempDir(), "good")
	harness.WriteFile(t, good, clusterSecret+"\n")
	fromFile := duplex.Start(t, "--app", harness.App("cluster"), "--nats-embed", "--cluster-secret-file", good)
	if e := fromFile.WaitLog(t, func(e harness.LogEntry) bool { return e.Message() == "cluster: joined" }, harness.Wait); e.Fields["authenticated"] != true {
		t.Errorf("joined with --cluster-secret-file: %s", e.Raw)
	}
	p := harness.FreePorts(t, 1)[0]
	node := duplex.Start(t, "--app", harness.App("cluster"), "--nats-embed", "--nats-listen", fmt.Sprintf(":%d", p))
	if addr := nodeRouteAddr(t, node); addr != fmt.Sprintf("127.0.0.1:%d", p) {
		t.Errorf("--nats-listen :%d listens on %s, want 127.0.0.1", p, addr)
	}
}

// testPKI writes a CA and a certificate for 127.0.0.1 signed by it, and
// returns the files: cert, key, ca.
func testPKI(t *testing.T) (string, string, string) {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "duplex test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "node"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	ca, _ := x509.ParseCertificate(caDER)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		harness.WriteFile(t, p, string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})))
		return p
	}
	return write("node.pem", "CERTIFICATE", der), write("node.key", "EC PRIVATE KEY", keyDER), write("ca.pem", "CERTIFICATE", caDER)
}

// TestClusterTLS: nodes with certificates from one CA route over TLS and
// form a cluster; a route peer that does not speak TLS is refused.
func TestClusterTLS(t *testing.T) {
	t.Parallel()
	cert, key, ca := testPKI(t)
	env := []string{"DUPLEX_CLUSTER_SECRET=" + clusterSecret, "DUPLEX_NATS_TLS_CERT=" + cert, "DUPLEX_NATS_TLS_KEY=" + key, "DUPLEX_NATS_TLS_CA=" + ca}
	nodes := startEmbeddedClusterEnv(t, 2, env)
	a := joinChat(t, nodes[0], "alice")
	b := joinChat(t, nodes[1], "bob")
	waitGroupSize(t, nodes, "room", 2, harness.Wait)
	a.command(map[string]any{"op": "group", "text": "over TLS"})
	b.expect("group", "over TLS")
	if e := nodes[0].WaitLog(t, func(e harness.LogEntry) bool { return e.Message() == "cluster: joined" }, harness.Wait); e.Fields["tls"] != true || e.Fields["authenticated"] != true {
		t.Errorf("joined line: %s", e.Raw)
	}

	// A plain-text route peer, even one with the secret.
	fake, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true,
		Cluster: server.ClusterOpts{Name: "duplex", Host: "127.0.0.1", Port: server.RANDOM_PORT},
		Routes:  server.RoutesFromStr("nats://duplex:" + clusterSecret + "@" + nodeRouteAddr(t, nodes[0]))})
	if err != nil {
		t.Fatal(err)
	}
	fake.Start()
	t.Cleanup(fake.Shutdown)
	nodes[0].WaitLog(t, func(e harness.LogEntry) bool { return e.Fields["nats"] == "embedded" && e.Has("rid:", "tls") }, harness.Wait)
}
