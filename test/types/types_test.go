// Package types checks the TypeScript declarations in types/ with the
// TypeScript compiler: testdata/ is an application whose controllers must
// compile against them without an error, and whose bad/ folder holds misuses
// that each must fail, with the error its `// want` comments name.
//
// TypeScript comes from the npm registry (`npm ci --prefix test/types`, which
// .ci/run does). Outside CI the test skips when it is not installed; with
// CI=true that is a failure.
package types

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// tscTimeout bounds the one compiler run (about 2 s here).
const tscTimeout = 2 * time.Minute

// A `// want TS2345 "fragment"` comment: the line must have that error,
// whose message (continuation lines included) contains the fragment.
var wantComment = regexp.MustCompile(`// want (TS\d+) "(.*)"\s*$`)

// A diagnostic as `tsc --pretty false` prints it: file(line,col): error TSn: message.
var diagnosticLine = regexp.MustCompile(`^(.+)\((\d+),\d+\): error (TS\d+): (.*)$`)

// finding is an expected error (message holds the fragment) or a reported
// one.
type finding struct {
	file    string // relative to testdata, slash-separated
	line    int
	code    string
	message string
}

func (f finding) String() string {
	return f.file + ":" + strconv.Itoa(f.line) + ": " + f.code + " " + f.message
}

func TestDeclarations(t *testing.T) {
	tsc := harness.Tsc(t, "the declarations must be checked")
	wants := expectations(t)
	ctx, cancel := context.WithTimeout(context.Background(), tscTimeout)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, tsc, "-p", "testdata", "--pretty", "false").CombinedOutput()
	t.Logf("tsc ran in %s", time.Since(start).Round(time.Millisecond))
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		// Exit 0 cannot be right either: bad/ must fail.
		t.Fatalf("tsc should exit non-zero over testdata/bad: err %v\n%s", err, out)
	}
	got := diagnostics(t, string(out))
	for _, d := range got {
		i := matching(wants, d)
		if i < 0 {
			t.Errorf("unexpected error %s", d)
			continue
		}
		wants = append(wants[:i], wants[i+1:]...)
	}
	for _, w := range wants {
		t.Errorf("expected error not reported: %s", w)
	}
}

// expectations reads the want comments of testdata's scripts: every file
// under bad/ must have at least one, and no other file may have any.
func expectations(t *testing.T) []finding {
	t.Helper()
	var wants []finding
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".ts")) {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, "testdata"+string(filepath.Separator)))
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n := 0
		for i, line := range strings.Split(string(data), "\n") {
			if m := wantComment.FindStringSubmatch(line); m != nil {
				wants = append(wants, finding{file: rel, line: i + 1, code: m[1], message: m[2]})
				n++
			}
		}
		bad := strings.HasPrefix(rel, "bad/")
		switch {
		case bad && n == 0:
			t.Errorf("%s is under bad/ but wants no error", rel)
		case !bad && n > 0:
			t.Errorf("%s must compile, but wants %d errors: misuses belong under bad/", rel, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(wants) == 0 {
		t.Fatal("testdata/bad has no want comments")
	}
	return wants
}

// diagnostics parses tsc's output. A line that is neither a diagnostic nor
// the indented continuation of one (an error without a file, such as a bad
// tsconfig.json) fails the test.
func diagnostics(t *testing.T, out string) []finding {
	t.Helper()
	root, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var found []finding
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := diagnosticLine.FindStringSubmatch(line); m != nil {
			file, err := filepath.Abs(m[1])
			if err == nil {
				file, err = filepath.Rel(root, file)
			}
			if err != nil {
				t.Fatalf("tsc named %s: %v", m[1], err)
			}
			n, _ := strconv.Atoi(m[2])
			found = append(found, finding{file: filepath.ToSlash(file), line: n, code: m[3], message: m[4]})
			continue
		}
		switch {
		case strings.TrimSpace(line) == "":
		case len(found) > 0 && strings.HasPrefix(line, " "):
			found[len(found)-1].message += "\n" + strings.TrimSpace(line)
		default:
			t.Errorf("tsc said: %s", line)
		}
	}
	return found
}

// matching is the index of the want that d fulfils, or -1.
func matching(wants []finding, d finding) int {
	for i, w := range wants {
		if w.file == d.file && w.line == d.line && w.code == d.code && strings.Contains(d.message, w.message) {
			return i
		}
	}
	return -1
}
