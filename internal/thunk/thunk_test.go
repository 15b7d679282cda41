package thunk

import (
	"strings"
	"testing"
)

const mib = 1 << 20

// AArch64's numbers: B/BL reach +-128 MiB, ADRP thunks +-4 GiB.
var a64 = Config{Reach: 128 * mib, ShortReach: 4 << 30, PageRelative: true,
	ShortSize: 12, LongSize: 16, PatchSize: 8, Margin: 1 * mib}

// model is a synthetic output: sections laid out one after another, with
// a slot after the sections listed in slotAfter.
type model struct {
	sizes     []uint64 // section sizes
	base      []uint64 // section start addresses (filled by layout)
	slotAfter []int    // section index each slot follows, ascending
	gapAt     int      // an extra gap (another output section) before this section
	gap       uint64
	p         *Planner
}

type branch struct {
	sec     int
	off     uint64
	tsec    int
	toff    uint64
	sym     uint32
	addend  int64
	comment string
}

func newModel(sizes []uint64, slotAfter []int) *model {
	m := &model{sizes: sizes, slotAfter: slotAfter, gapAt: -1}
	m.p = New(a64, len(slotAfter))
	return m
}

func (m *model) layout() {
	m.base = make([]uint64, len(m.sizes))
	addr := uint64(0x400000)
	si := 0
	for i, sz := range m.sizes {
		if i == m.gapAt {
			addr += m.gap
		}
		m.base[i] = addr
		addr += sz
		for si < len(m.slotAfter) && m.slotAfter[si] == i {
			m.p.Slots[si].Addr = addr
			addr += m.p.Slots[si].Size()
			si++
		}
	}
}

func (m *model) branches(bs []branch) []Branch {
	var out []Branch
	for _, b := range bs {
		out = append(out, Branch{P: m.base[b.sec] + b.off, Key: Key{b.sym, b.addend}, Dest: m.base[b.tsec] + b.toff})
	}
	return out
}

// run loops layout and passes to convergence, returning the passes taken.
func (m *model) run(t *testing.T, bs []branch) int {
	t.Helper()
	for pass := 1; pass <= MaxPasses; pass++ {
		m.layout()
		changed, err := m.p.Pass(m.branches(bs), nil)
		if err != nil {
			t.Fatalf("pass %d: %v", pass, err)
		}
		if !changed {
			m.check(t, bs)
			return pass
		}
	}
	t.Fatalf("did not converge in %d passes", MaxPasses)
	return 0
}

// check verifies the final state: every branch reaches its target or a
// thunk for it, and every thunk reaches its target.
func (m *model) check(t *testing.T, bs []branch) {
	t.Helper()
	for _, b := range m.branches(bs) {
		if a64.InRange(b.P, b.Dest) {
			continue
		}
		th := m.p.Find(b.P, b.Key)
		if th == nil {
			t.Fatalf("branch at %#x to %#x: out of range and no thunk in reach", b.P, b.Dest)
		}
		if th.Dest != b.Dest {
			t.Errorf("thunk at %#x goes to %#x, want %#x", th.Addr(), th.Dest, b.Dest)
		}
		if !th.Long && !a64.ShortReaches(th.Addr(), b.Dest) {
			t.Errorf("short thunk at %#x cannot reach %#x", th.Addr(), b.Dest)
		}
	}
}

func TestNoThunksWhenInRange(t *testing.T) {
	m := newModel([]uint64{1 * mib, 64 * mib, 1 * mib}, []int{2})
	bs := []branch{{sec: 0, off: 0x10, tsec: 2, toff: 0}, {sec: 2, off: 0x20, tsec: 0, toff: 0}}
	if n := m.run(t, bs); n != 1 {
		t.Errorf("took %d passes, want 1", n)
	}
	if m.p.NumThunks() != 0 {
		t.Errorf("%d thunks, want 0", m.p.NumThunks())
	}
}

// A caller and its callee 150 MiB apart in one output section (the
// padding between them has no branches), and a call back.
func TestPaddingBetweenCallerAndCallee(t *testing.T) {
	m := newModel([]uint64{4096, 150 * mib, 4096}, []int{0, 2})
	bs := []branch{
		{sec: 0, off: 0x10, tsec: 2, toff: 0, sym: 1, comment: "main -> far"},
		{sec: 2, off: 0x40, tsec: 0, toff: 0, sym: 2, comment: "far -> back"},
	}
	passes := m.run(t, bs)
	if m.p.NumThunks() != 2 {
		t.Errorf("%d thunks, want 2", m.p.NumThunks())
	}
	if passes != 2 {
		t.Errorf("took %d passes, want 2 (create, then confirm)", passes)
	}
}

// Many callers of one far target share a thunk; a second target gets its
// own.
func TestReuse(t *testing.T) {
	m := newModel([]uint64{2 * mib, 200 * mib, 4096}, []int{0, 2})
	var bs []branch
	for i := range 50 {
		bs = append(bs, branch{sec: 0, off: uint64(i) * 4096, tsec: 2, toff: 0, sym: 7})
	}
	bs = append(bs, branch{sec: 0, off: 8, tsec: 2, toff: 64, sym: 8})
	m.run(t, bs)
	if got := m.p.NumThunks(); got != 2 {
		t.Errorf("%d thunks, want 2 (one per target)", got)
	}
	if got := len(m.p.Slots[0].Thunks); got != 2 {
		t.Errorf("slot after the callers holds %d thunks, want 2", got)
	}
}

// Inserting a thunk between a branch and its target can push that target
// out of reach: the next pass must give the branch a thunk too.
func TestInsertionPushesBranchOutOfRange(t *testing.T) {
	// Section 0: caller A at its start. Section 1: filler. Slot 0 after
	// section 1. Section 2: target of A, placed so that A just reaches it
	// (8 bytes short of the limit). Section 3: 150 MiB of padding.
	// Section 4: a far target called from B (in section 1, just before
	// the slot), whose thunk lands in slot 0, between A and its target.
	reach := uint64(a64.Reach)
	m := newModel([]uint64{4096, reach - 4096 - 8 - 4096, 4096, 150 * mib, 4096}, []int{1, 4})
	// A's target is the last instruction it reaches.
	bsA := branch{sec: 0, off: 0, tsec: 2, sym: 1}
	m.layout()
	bsA.toff = m.base[0] + reach - 4 - m.base[2]
	if !a64.InRange(m.base[0], m.base[2]+bsA.toff) {
		t.Fatal("setup: A must start in range")
	}
	bsB := branch{sec: 1, off: m.sizes[1] - 4, tsec: 4, toff: 0, sym: 2}
	bs := []branch{bsA, bsB}

	m.layout()
	changed, err := m.p.Pass(m.branches(bs), nil)
	if err != nil || !changed || m.p.NumThunks() != 1 {
		t.Fatalf("pass 1: changed=%v err=%v thunks=%d, want B's thunk only", changed, err, m.p.NumThunks())
	}
	m.layout()
	if a64.InRange(m.base[0], m.base[2]+bsA.toff) {
		t.Fatal("setup: B's thunk should have pushed A's target out of reach")
	}
	changed, err = m.p.Pass(m.branches(bs), nil)
	if err != nil || !changed || m.p.NumThunks() != 2 {
		t.Fatalf("pass 2: changed=%v err=%v thunks=%d, want a thunk for A as well", changed, err, m.p.NumThunks())
	}
	m.layout()
	changed, err = m.p.Pass(m.branches(bs), nil)
	if err != nil || changed {
		t.Fatalf("pass 3: changed=%v err=%v, want a fixed point", changed, err)
	}
	m.check(t, bs)
}

// Targets beyond the short thunk's +-4 GiB get the long form.
func TestLongThunk(t *testing.T) {
	m := newModel([]uint64{4096, 4096}, []int{0, 1})
	m.gapAt, m.gap = 1, 5<<30
	bs := []branch{{sec: 0, off: 0, tsec: 1, toff: 0, sym: 3}}
	m.run(t, bs)
	if m.p.NumThunks() != 1 || !m.p.Slots[0].Thunks[0].Long {
		t.Fatalf("want one long thunk, got %d thunks (slot 0: %+v)", m.p.NumThunks(), m.p.Slots[0].Thunks)
	}
	if m.p.Slots[0].Size() != a64.LongSize {
		t.Errorf("slot size %d, want %d", m.p.Slots[0].Size(), a64.LongSize)
	}
	// 1 GiB away: short.
	m2 := newModel([]uint64{4096, 4096}, []int{0, 1})
	m2.gapAt, m2.gap = 1, 1<<30
	m2.run(t, bs)
	if m2.p.NumThunks() != 1 || m2.p.Slots[0].Thunks[0].Long {
		t.Fatal("want one short thunk for a target 1 GiB away")
	}
}

// A branch with no slot in reach is an error naming the branch.
func TestNoSlotInReach(t *testing.T) {
	m := newModel([]uint64{4096, 300 * mib, 4096}, []int{2})
	bs := []branch{{sec: 0, off: 0, tsec: 2, toff: 0, sym: 1}}
	m.layout()
	_, err := m.p.Pass(m.branches(bs), nil)
	if err == nil || !strings.Contains(err.Error(), "no thunk slot within reach") {
		t.Fatalf("err = %v, want a no-slot error", err)
	}
}

// Patches get one veneer per site, near the site, and are kept across
// passes.
func TestPatches(t *testing.T) {
	m := newModel([]uint64{8192, 200 * mib, 4096}, []int{0, 2})
	sites := func() []PatchSite {
		return []PatchSite{{Site: 1, P: m.base[0] + 0xffc}, {Site: 2, P: m.base[2] + 0x10}}
	}
	m.layout()
	changed, err := m.p.Pass(nil, sites())
	if err != nil || !changed || m.p.NumPatches() != 2 {
		t.Fatalf("changed=%v err=%v patches=%d", changed, err, m.p.NumPatches())
	}
	m.layout()
	if changed, _ := m.p.Pass(nil, sites()); changed {
		t.Fatal("second pass changed something")
	}
	if p := m.p.PatchFor(1); p.Slot != m.p.Slots[0] {
		t.Error("site 1's veneer is not in the slot next to it")
	}
	if p := m.p.PatchFor(2); p.Slot != m.p.Slots[1] {
		t.Error("site 2's veneer is not in the slot next to it")
	}
}

// A veneer that growth elsewhere pushes out of its site's reach moves to
// a slot within reach; the old slot shrinks.
func TestPatchMoves(t *testing.T) {
	p := New(a64, 2)
	const site = uint64(0x10000000)
	reach := uint64(a64.Reach)
	p.Slots[0].Addr, p.Slots[1].Addr = site-(reach-64), site+3*reach
	sites := []PatchSite{{Site: 7, P: site}}
	if changed, err := p.Pass(nil, sites); err != nil || !changed || p.PatchFor(7).Slot != p.Slots[0] {
		t.Fatalf("pass 1: changed=%v err=%v; want the veneer in slot 0", changed, err)
	}
	// Slot 0 now lies beyond reach; slot 1 has come within it.
	p.Slots[0].Addr, p.Slots[1].Addr = site-reach-4096, site+4096
	if changed, err := p.Pass(nil, sites); err != nil || !changed || p.PatchFor(7).Slot != p.Slots[1] {
		t.Fatalf("pass 2: changed=%v err=%v; want the veneer moved to slot 1", changed, err)
	}
	if p.Slots[0].Size() != 0 || len(p.Slots[0].Patches) != 0 || p.NumPatches() != 1 {
		t.Errorf("after the move: slot 0 size %d with %d patches, %d patches in all", p.Slots[0].Size(), len(p.Slots[0].Patches), p.NumPatches())
	}
	if changed, err := p.Pass(nil, sites); err != nil || changed {
		t.Fatalf("pass 3: changed=%v err=%v; want a fixed point", changed, err)
	}
	// A veneer exactly at the limit of the branch back is not chosen.
	q := New(a64, 1)
	q.Slots[0].Addr = site - reach
	if _, err := q.Pass(nil, sites); err == nil {
		t.Errorf("a slot exactly 128 MiB before the site was accepted: the branch back could not be encoded")
	}
}

// A target that is not a landing pad for the thunk's indirect branch gets
// a pad within direct reach of it, shared by all its callers; the thunk
// goes to the pad.
func TestLandingPad(t *testing.T) {
	m := newModel([]uint64{4096, 200 * mib, 4096}, []int{0, 2})
	bs := []branch{
		{sec: 0, off: 0x10, tsec: 2, toff: 0x40, sym: 1},
		{sec: 0, off: 0x20, tsec: 2, toff: 0x40, sym: 1},
	}
	for pass := 1; ; pass++ {
		m.layout()
		brs := m.branches(bs)
		for i := range brs {
			brs[i].NeedPad = true
		}
		changed, err := m.p.Pass(brs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !changed {
			break
		}
		if pass > 5 {
			t.Fatal("no fixed point")
		}
	}
	if m.p.NumThunks() != 1 || m.p.NumPads() != 1 {
		t.Fatalf("%d thunks, %d pads; want 1 and 1", m.p.NumThunks(), m.p.NumPads())
	}
	pad := m.p.Slots[1].Pads
	if len(pad) != 1 {
		t.Fatalf("the pad is not in the slot next to the target")
	}
	th := m.p.Slots[0].Thunks[0]
	if th.Dest != pad[0].Addr() {
		t.Errorf("the thunk goes to %#x, want the pad at %#x", th.Dest, pad[0].Addr())
	}
	if target := m.base[2] + 0x40; pad[0].Dest != target || !a64.InRange(pad[0].Addr()+4, target) {
		t.Errorf("pad at %#x goes to %#x, want %#x in direct reach", pad[0].Addr(), pad[0].Dest, target)
	}
}
