package paymenttest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// Crash runs a crash test of a durable store: the test binary starts itself as a child process that
// writes payments as fast as it can (see CrashChild), and kills it with SIGKILL mid-stream; the test
// then reopens the database and checks that every payment the child acknowledged is there.
//
//	func TestCrash(t *testing.T) {
//		c := paymenttest.Crash{Child: "TestCrashChild", Env: []string{"MY_DB=" + path}}
//		ids := c.KillAfter(t, 100)
//		// reopen the database, check every id
//	}
//
//	func TestCrashChild(t *testing.T) {
//		path := os.Getenv("MY_DB")
//		if path == "" {
//			t.Skip("the child process of TestCrash")
//		}
//		svc := ... // a payment.Service on the database at path
//		paymenttest.CrashChild(t, func(i int) (payment.ID, error) { ... svc.Create ... })
//	}
type Crash struct {
	// Child is the test function the child runs; it calls CrashChild.
	Child string
	// Env is added to the child's environment: where the database is, which workspace to use.
	Env []string
}

// KillAfter starts the child, reads the ids it acknowledges, kills it with SIGKILL once it has
// acknowledged n payments, and returns every id it acknowledged (including any that were printed
// while the signal was on its way).
func (c Crash) KillAfter(t *testing.T, n int) []payment.ID {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+c.Child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var ids []payment.ID
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		id, ok := strings.CutPrefix(sc.Text(), "ack ")
		if !ok {
			continue
		}
		ids = append(ids, payment.ID(id))
		if len(ids) == n {
			require.NoError(t, cmd.Process.Kill()) // SIGKILL: no deferred code, no flush, no goodbye
		}
	}
	require.NoError(t, sc.Err())
	require.Error(t, cmd.Wait(), "the child stopped on its own after %d payments", len(ids))
	require.GreaterOrEqual(t, len(ids), n)
	return ids
}

// CrashChild is the body of a crash test's child: it calls create (with 0, 1, 2, …, offset by the
// process id so that every child uses new numbers) from four goroutines until the process is killed,
// and prints "ack <id>" for each payment create returned. An id is printed only after create
// returned it, and before the goroutine's next call.
func CrashChild(t *testing.T, create func(i int) (payment.ID, error)) {
	var mu sync.Mutex
	next := os.Getpid() * 1_000_000
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				id, err := create(i)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fmt.Fprintf(w, "ack %s\n", id)
				err = w.Flush()
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
}
