package internal_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The layering rule: generic code never depends on an architecture. Only
// the driver picks an Arch (and cmd/rivet reaches it through the driver);
// the arch-neutral relocation model depends on nothing in the module.
//
// Imports are read with go/parser (imports only) from every non-test .go
// file in the module, so the check works even while some package does not
// build, and sees files for every GOOS/GOARCH and build tag.

const module = "github.com/rivet-linker/rivet"

const (
	archPrefix = module + "/internal/arch/"
	driverPkg  = module + "/internal/driver"
	relocPkg   = module + "/internal/reloc"
	elfioPkg   = module + "/internal/elfio"
	x86Pkg     = module + "/internal/arch/x86_64"
)

type pkgImports map[string]map[string][]string // package -> import -> files importing it

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatalf("module root: %v", err)
	}
	if !strings.Contains(string(b), "module "+module+"\n") {
		t.Fatalf("%s/go.mod is not module %s", root, module)
	}
	return root
}

// scan returns the non-test imports of every package in the module.
func scan(t *testing.T) pkgImports {
	t.Helper()
	root := moduleRoot(t)
	pkgs := pkgImports{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // nested module
				}
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Errorf("%v", err)
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := module
		if rel != "." {
			pkg += "/" + filepath.ToSlash(rel)
		}
		if pkgs[pkg] == nil {
			pkgs[pkg] = map[string][]string{}
		}
		for _, is := range f.Imports {
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				t.Errorf("%s: bad import %s", path, is.Path.Value)
				continue
			}
			r, _ := filepath.Rel(root, path)
			pkgs[pkg][p] = append(pkgs[pkg][p], r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func inModule(p string) bool { return p == module || strings.HasPrefix(p, module+"/") }

func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

func isArch(p string) bool { return strings.HasPrefix(p, archPrefix) }

// mayDependOnArch: the arch packages themselves, the driver, and the
// commands (which reach an arch only through the driver).
func mayDependOnArch(p string) bool {
	return isArch(p) || p == driverPkg || strings.HasPrefix(p, module+"/cmd/")
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// deps returns the module packages pkg depends on, transitively, each
// with one import chain that leads to it.
func deps(pkgs pkgImports, pkg string) map[string]string {
	chain := map[string]string{}
	var visit func(p, via string)
	visit = func(p, via string) {
		for _, imp := range sortedKeys(pkgs[p]) {
			if !inModule(imp) {
				continue
			}
			if _, seen := chain[imp]; seen {
				continue
			}
			chain[imp] = via + " -> " + imp
			visit(imp, chain[imp])
		}
	}
	visit(pkg, pkg)
	return chain
}

func TestLayeringSanity(t *testing.T) {
	pkgs := scan(t)
	for _, p := range []string{relocPkg, x86Pkg, driverPkg, elfioPkg} {
		if _, ok := pkgs[p]; !ok {
			t.Errorf("package %s not found; is the walker looking at the right tree?", p)
		}
	}
	if _, ok := pkgs[driverPkg][x86Pkg]; !ok {
		t.Errorf("the driver does not import %s: who picks the Arch now? (update this test)", x86Pkg)
	}
}

// Only the driver imports an architecture.
func TestOnlyDriverImportsArch(t *testing.T) {
	pkgs := scan(t)
	for _, p := range sortedKeys(pkgs) {
		if isArch(p) || p == driverPkg {
			continue
		}
		for _, imp := range sortedKeys(pkgs[p]) {
			if isArch(imp) {
				t.Errorf("%s imports %s (in %s): generic code must go through reloc.Arch; only %s picks the architecture",
					p, imp, strings.Join(pkgs[p][imp], ", "), driverPkg)
			}
		}
	}
}

// No generic package depends on an architecture indirectly either (for
// example by importing the driver).
func TestNoTransitiveArchDependency(t *testing.T) {
	pkgs := scan(t)
	for _, p := range sortedKeys(pkgs) {
		if mayDependOnArch(p) {
			continue
		}
		d := deps(pkgs, p)
		for _, dep := range sortedKeys(d) {
			if isArch(dep) {
				t.Errorf("%s depends on %s: %s", p, dep, d[dep])
			}
		}
	}
}

// The arch-neutral relocation model imports only the standard library.
func TestRelocImportsOnlyStd(t *testing.T) {
	pkgs := scan(t)
	for _, imp := range sortedKeys(pkgs[relocPkg]) {
		if !isStd(imp) {
			t.Errorf("%s imports %s (in %s): it must depend on the standard library only",
				relocPkg, imp, strings.Join(pkgs[relocPkg][imp], ", "))
		}
	}
}

// An architecture sits below the linker: it may use the relocation model
// and the ELF helpers, never the linker, the driver or another arch.
func TestArchImportsOnlyModelAndELF(t *testing.T) {
	pkgs := scan(t)
	for _, p := range sortedKeys(pkgs) {
		if !isArch(p) {
			continue
		}
		for _, imp := range sortedKeys(pkgs[p]) {
			if inModule(imp) && imp != relocPkg && imp != elfioPkg {
				t.Errorf("%s imports %s (in %s): an arch may only import %s and %s",
					p, imp, strings.Join(pkgs[p][imp], ", "), relocPkg, elfioPkg)
			}
			if !inModule(imp) && !isStd(imp) {
				t.Errorf("%s imports third-party %s", p, imp)
			}
		}
	}
}

// The commands reach the architecture only through the driver.
func TestCommandsUseDriver(t *testing.T) {
	pkgs := scan(t)
	for _, p := range sortedKeys(pkgs) {
		if !strings.HasPrefix(p, module+"/cmd/") {
			continue
		}
		for _, imp := range sortedKeys(pkgs[p]) {
			if isArch(imp) {
				t.Errorf("%s imports %s directly; it must go through %s", p, imp, driverPkg)
			}
		}
	}
}
