package link

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// threads is the number of workers a parallel pass uses (--threads=N, or
// every CPU the process may use).
func (l *Linker) threads() int {
	if n := l.cfg.Threads; n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// parallelFor runs fn(worker, i) for i in [0, n) on a bounded pool. Items
// are handed out in order in batches that shrink toward the end (up to 64
// items, then 1/(8*workers) of what is left), so uneven items balance; fn
// must only write state owned by item i or by worker (0..threads-1).
// A panic in a worker (a bug) is re-raised on the calling goroutine, where
// Run turns it into an error.
func (l *Linker) parallelFor(name string, n int, fn func(worker, i int)) {
	workers := min(l.threads(), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var panicked any
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			start := time.Now()
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					if panicked == nil {
						panicked = r
					}
					mu.Unlock()
				}
				l.workerSpan(name, w, start)
			}()
			for {
				lo := int(next.Load())
				if lo >= n {
					return
				}
				hi := lo + max(1, min(64, (n-lo)/(workers*8)))
				if !next.CompareAndSwap(int64(lo), int64(hi)) {
					continue
				}
				for i := lo; i < min(hi, n); i++ {
					fn(w, i)
				}
			}
		}(w)
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}
