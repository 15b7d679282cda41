package link

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// phases records how long each pass and sub-step takes, for --time (a
// nested table on stderr) and --time-trace (Chrome trace JSON that
// Perfetto and chrome://tracing open).
type phases struct {
	mu     sync.Mutex
	t0     time.Time
	depth  int // nesting of open main-thread spans
	events []phaseEvent
}

type phaseEvent struct {
	name       string
	start, dur time.Duration
	depth      int
	tid        int // 0: the main thread; workers 1..N
}

// span starts a main-thread phase; call the result to end it.
func (l *Linker) span(name string) func() {
	p := &l.phases
	start := time.Since(p.t0)
	p.mu.Lock()
	depth := p.depth
	p.depth++
	i := len(p.events)
	p.events = append(p.events, phaseEvent{name: name, start: start, depth: depth})
	p.mu.Unlock()
	return func() {
		d := time.Since(p.t0) - start
		p.mu.Lock()
		p.events[i].dur = d
		p.depth--
		p.mu.Unlock()
	}
}

// workerSpan records one worker's share of a parallel phase.
func (l *Linker) workerSpan(name string, worker int, start time.Time) {
	p := &l.phases
	p.mu.Lock()
	p.events = append(p.events, phaseEvent{name: name, start: start.Sub(p.t0), dur: time.Since(start), tid: worker + 1, depth: -1})
	p.mu.Unlock()
}

// printTimes writes the main-thread phases as an indented table.
func (p *phases) printTimes(w io.Writer, total time.Duration) {
	var b strings.Builder
	for _, e := range p.events {
		if e.tid != 0 {
			continue
		}
		fmt.Fprintf(&b, "%10.3fms  %s%s\n", float64(e.dur.Microseconds())/1000, strings.Repeat("  ", e.depth), e.name)
	}
	fmt.Fprintf(&b, "%10.3fms  total\n", float64(total.Microseconds())/1000)
	io.WriteString(w, b.String())
}

// writeTrace writes the Chrome trace event format ("X" complete events,
// microseconds).
func (p *phases) writeTrace(path string) error {
	type ev struct {
		Name string  `json:"name"`
		Ph   string  `json:"ph"`
		Ts   float64 `json:"ts"`
		Dur  float64 `json:"dur"`
		Pid  int     `json:"pid"`
		Tid  int     `json:"tid"`
	}
	evs := make([]ev, 0, len(p.events))
	for _, e := range p.events {
		evs = append(evs, ev{e.name, "X", float64(e.start.Nanoseconds()) / 1000, float64(e.dur.Nanoseconds()) / 1000, 1, e.tid})
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Ts < evs[j].Ts })
	data, err := json.Marshal(struct {
		TraceEvents     []ev   `json:"traceEvents"`
		DisplayTimeUnit string `json:"displayTimeUnit"`
	}{evs, "ms"})
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o666)
}
