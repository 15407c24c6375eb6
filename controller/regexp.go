package controller

import (
	"time"

	"github.com/dlclark/regexp2/v2"
)

// DefaultRegexpTimeout is the command's default for LimitRegexpTime.
const DefaultRegexpTimeout = 2 * time.Second

// LimitRegexpTime bounds every backtracking regexp match in the process.
// goja runs regexps that RE2 cannot (backreferences, lookaround) on
// regexp2, whose matching is native code that Runtime.Interrupt cannot stop;
// regexp2's only limit is this process-wide default. A match that runs out
// of time returns "no match" to the script, without an exception: that is
// regexp2's behaviour, documented in the README. Call it once, at start-up.

func LimitRegexpTime(d time.Duration) {
	if d > 0 {
		regexp2.DefaultMatchTimeout = d
	}
}
