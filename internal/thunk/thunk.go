// Package thunk places range extension thunks: small synthetic code
// sequences that a branch whose target is out of its reach jumps to
// instead, and that continue to the target.
//
// The linker decides where thunks may go: slots, synthetic sections
// between input sections, spaced so that every branch has a slot within
// reach. Placement is a loop: the linker lays the output out (giving each
// slot its address), runs a Pass over every branch, and lays out again
// while the pass changed something. A pass gives every out-of-range branch
// a thunk it reaches, reusing an existing thunk for the same target when
// one is in reach and creating one otherwise. Thunks are never removed and
// only grow (short to long form), so the loop converges: each pass that
// changes something adds a thunk or lengthens one, and there are finitely
// many of both. (An erratum veneer that growth pushes out of its site's
// reach moves to another slot, which can shrink one; MaxPasses bounds the
// loop in any case.)
//
// Slots also hold patches: veneers for single instructions moved out of
// line (Cortex-A53 erratum 843419), one per patched site.
package thunk

import (
	"fmt"
	"slices"

	"github.com/rivet-linker/rivet/internal/reloc"
)

// Key identifies a branch target: branches to the same symbol and addend
// share thunks.
type Key struct {
	Sym    uint32
	Addend int64
}

// Config is what the architecture says about its branches and thunks.
type Config = reloc.ThunkConfig

// MaxPasses bounds the layout/thunk loop.
const MaxPasses = 30

// Thunk is one range extension thunk.
type Thunk struct {
	Key  Key
	Dest uint64 // the target's address as of the last pass
	Long bool   // the long (absolute) form
	Slot *Slot
	Off  uint64 // offset within the slot
}

// Addr is the thunk's address as of the last layout.
func (t *Thunk) Addr() uint64 { return t.Slot.Addr + t.Off }

// Patch is one erratum veneer: the instruction at Site moved to the
// veneer, followed by a branch back.
type Patch struct {
	Site uint64 // opaque identity of the patched instruction (chosen by the caller)
	Slot *Slot
	Off  uint64
}

// Addr is the veneer's address as of the last layout.
func (p *Patch) Addr() uint64 { return p.Slot.Addr + p.Off }

// Slot is one place where thunks go, 8-aligned. The linker sets Addr
// before each pass.
type Slot struct {
	Addr    uint64
	Thunks  []*Thunk
	Pads    []*Pad
	Patches []*Patch
	size    uint64
	index   int
}

// Size is the slot's size in bytes (thunks first, then patches).
func (s *Slot) Size() uint64 { return s.size }

// Planner holds the thunks across passes.
type Planner struct {
	Cfg     Config
	Slots   []*Slot // in address order
	byKey   map[Key][]*Thunk
	pads    map[Key]*Pad
	patches map[uint64]*Patch
	nThunks int
}

// New returns a planner with nslots slots, in address order; the caller
// sets their addresses after each layout.
func New(cfg Config, nslots int) *Planner {
	p := &Planner{Cfg: cfg, byKey: map[Key][]*Thunk{}, pads: map[Key]*Pad{}, patches: map[uint64]*Patch{}}
	for i := range nslots {
		p.Slots = append(p.Slots, &Slot{index: i})
	}
	return p
}

// NumThunks is the number of thunks created.
func (p *Planner) NumThunks() int { return p.nThunks }

// NumPatches is the number of patch veneers created.
func (p *Planner) NumPatches() int { return len(p.patches) }

// Branch is one branch a pass looks at.
type Branch struct {
	P    uint64 // address of the branch instruction
	Key  Key
	Dest uint64 // address of the target (PLT entry, symbol plus addend)
	// NeedPad: the target is not a landing pad for the thunk's indirect
	// branch (AArch64 BTI), so the thunk goes to a pad next to the target
	// (a marker instruction and a direct branch) instead.
	NeedPad bool
}

// Pad is a landing pad: placed within direct-branch reach of its target,
// it starts with the marker an indirect branch may land on and branches
// on to the target.
type Pad struct {
	Key  Key
	Dest uint64
	Slot *Slot
	Off  uint64
}

// Addr is the pad's address as of the last layout.
func (p *Pad) Addr() uint64 { return p.Slot.Addr + p.Off }

// Find returns the thunk an out-of-range branch at from to key goes
// through: the first one (in slot order) it reaches.
func (p *Planner) Find(from uint64, key Key) *Thunk {
	for _, t := range p.byKey[key] {
		if p.Cfg.InRange(from, t.Addr()) {
			return t
		}
	}
	return nil
}

// Pass gives every out-of-range branch a thunk it reaches and every
// patch site a veneer. It reports whether anything changed (so the
// output must be laid out again before the next pass), or an error when
// some branch has no slot in reach.
func (p *Planner) Pass(branches []Branch, patchSites []PatchSite) (changed bool, err error) {
	var errs []error
	for bi, b := range branches {
		if p.Cfg.InRange(b.P, b.Dest) {
			continue
		}
		if b.NeedPad {
			pad, moved, err := p.pad(b.Key, b.Dest)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			changed = changed || moved
			b.Dest = pad.Addr()
		}
		if t := p.Find(b.P, b.Key); t != nil {
			t.Dest = b.Dest
			if !t.Long && !p.Cfg.ShortReaches(t.Addr(), b.Dest) {
				t.Long = true
				changed = true
			}
			continue
		}
		s := p.pickSlot(b.P, b.Dest, p.Cfg.LongSize)
		if s == nil {
			errs = append(errs, &NoSlotError{Branch: bi, P: b.P, Dest: b.Dest})
			continue
		}
		t := &Thunk{Key: b.Key, Dest: b.Dest, Slot: s}
		// The address it will have once laid out: appended to the slot.
		t.Long = !p.Cfg.ShortReaches(s.Addr+s.size, b.Dest)
		s.Thunks = append(s.Thunks, t)
		p.byKey[b.Key] = append(p.byKey[b.Key], t)
		// Keep each key's thunks in slot address order so Find is
		// deterministic and prefers the lowest address.
		slices.SortStableFunc(p.byKey[b.Key], func(x, y *Thunk) int { return x.Slot.index - y.Slot.index })
		p.nThunks++
		changed = true
		p.resize(s)
	}
	for _, ps := range patchSites {
		old, ok := p.patches[ps.Site]
		// The veneer branches back to the next instruction: 8 bytes of
		// slack keep both branches encodable, and pickPatchSlot uses
		// the same test.
		if ok && within(ps.P, old.Addr(), p.Cfg.Reach-8) && within(ps.P, old.Addr()+p.Cfg.PatchSize, p.Cfg.Reach-8) {
			continue
		}
		if ok {
			// Pushed out of reach by growth in between: move it.
			old.Slot.Patches = slices.DeleteFunc(old.Slot.Patches, func(x *Patch) bool { return x == old })
			p.resize(old.Slot)
			delete(p.patches, ps.Site)
			changed = true
		}
		s := p.pickSlotWithin(ps.P, ps.P, p.Cfg.PatchSize, p.Cfg.Reach-p.Cfg.Margin)
		if s == nil {
			s = p.pickSlotWithin(ps.P, ps.P, p.Cfg.PatchSize, p.Cfg.Reach-8)
		}
		if s == nil {
			errs = append(errs, fmt.Errorf("instruction at 0x%x: no slot for an erratum veneer within reach", ps.P))
			continue
		}
		pt := &Patch{Site: ps.Site, Slot: s}
		s.Patches = append(s.Patches, pt)
		p.patches[ps.Site] = pt
		changed = true
		p.resize(s)
	}
	for _, s := range p.Slots {
		if p.resize(s) {
			changed = true
		}
	}
	if len(errs) > 0 {
		return changed, errs[0]
	}
	return changed, nil
}

// NoSlotError: branch number Branch (of those given to Pass) is out of
// reach of its target and of every slot.
type NoSlotError struct {
	Branch  int
	P, Dest uint64
}

func (e *NoSlotError) Error() string {
	return fmt.Sprintf("branch at 0x%x to 0x%x: no thunk slot within reach", e.P, e.Dest)
}

// pad returns the landing pad for key, creating it (or moving it back
// within reach of dest) as needed.
func (p *Planner) pad(key Key, dest uint64) (pad *Pad, changed bool, err error) {
	old := p.pads[key]
	if old != nil {
		old.Dest = dest
		if within(dest, old.Addr()+4, p.Cfg.Reach-8) {
			return old, false, nil
		}
		old.Slot.Pads = slices.DeleteFunc(old.Slot.Pads, func(x *Pad) bool { return x == old })
		p.resize(old.Slot)
	}
	s := p.pickSlotWithin(dest, dest, p.Cfg.PadSize, p.Cfg.Reach-p.Cfg.Margin)
	if s == nil {
		s = p.pickSlotWithin(dest, dest, p.Cfg.PadSize, p.Cfg.Reach-8)
	}
	if s == nil {
		return nil, false, fmt.Errorf("target 0x%x: no slot for a BTI landing pad within reach", dest)
	}
	pad = &Pad{Key: key, Dest: dest, Slot: s}
	s.Pads = append(s.Pads, pad)
	p.pads[key] = pad
	p.resize(s)
	return pad, true, nil
}

// NumPads is the number of landing pads.
func (p *Planner) NumPads() int { return len(p.pads) }

// PatchSite is an instruction that needs a veneer.
type PatchSite struct {
	Site uint64 // identity (stable across passes)
	P    uint64 // its address now
}

// PatchFor returns the veneer of a patched site, or nil.
func (p *Planner) PatchFor(site uint64) *Patch { return p.patches[site] }

// pickSlot chooses where a new thunk for a branch at from to dest goes:
// among the slots the branch reaches (counting the new entry's size, and
// with the margin if any slot allows it), the one nearest the target, so
// that other branches to the same target are likely to reach it too.
func (p *Planner) pickSlot(from, dest uint64, size uint64) *Slot {
	if s := p.pickSlotWithin(from, dest, size, p.Cfg.Reach-p.Cfg.Margin); s != nil {
		return s
	}
	return p.pickSlotWithin(from, dest, size, p.Cfg.Reach)
}

func (p *Planner) pickSlotWithin(from, dest, size uint64, reach int64) *Slot {
	var best *Slot
	var bestDist uint64
	for _, s := range p.Slots {
		lo, hi := s.Addr, s.Addr+s.size+size
		if !within(from, lo, reach) || !within(from, hi, reach) {
			continue
		}
		d := dist(s.Addr, dest)
		if best == nil || d < bestDist {
			best, bestDist = s, d
		}
	}
	return best
}

func within(from, to uint64, reach int64) bool {
	d := int64(to - from)
	return d >= -reach && d < reach
}

func dist(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// resize recomputes the offsets in a slot and reports whether its size
// changed. Long thunks come first: their sizes are multiples of 8, so in an
// 8-aligned slot the address each holds is 8-aligned for its literal load.
func (p *Planner) resize(s *Slot) bool {
	var off uint64
	for _, long := range [2]bool{true, false} {
		for _, t := range s.Thunks {
			if t.Long != long {
				continue
			}
			t.Off = off
			if t.Long {
				off += p.Cfg.LongSize
			} else {
				off += p.Cfg.ShortSize
			}
		}
	}
	for _, pd := range s.Pads {
		pd.Off = off
		off += p.Cfg.PadSize
	}
	for _, pt := range s.Patches {
		pt.Off = off
		off += p.Cfg.PatchSize
	}
	changed := off != s.size
	s.size = off
	return changed
}
