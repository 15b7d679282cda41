package options

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// in returns an Input with the given positional flags ("n" as-needed,
// "w" whole-archive, "s" static).
func in(kind InputKind, name, flags string) Input {
	return Input{
		Kind:         kind,
		Name:         name,
		AsNeeded:     strings.Contains(flags, "n"),
		WholeArchive: strings.Contains(flags, "w"),
		Static:       strings.Contains(flags, "s"),
	}
}

func file(name string) Input           { return in(InputFile, name, "") }
func lib(name string) Input            { return in(InputLib, name, "") }
func groupStart(flags string) Input    { return in(InputGroupStart, "", flags) }
func groupEnd(flags string) Input      { return in(InputGroupEnd, "", flags) }
func with(mod func(c *Config)) *Config { c := defaultConfig(); mod(c); return c }

func split(s string) []string { return strings.Fields(s) }

type parseCase struct {
	name string
	args []string
	want *Config
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.args)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.args, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q):\n got %+v\nwant %+v", tc.args, got, tc.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Output != "a.out" || c.OutputKind != Exec || c.PIESet || c.Static ||
		!c.HashStyleSysv || !c.HashStyleGNU || !c.ZRelro || !c.ZSeparateCode ||
		c.ZMaxPageSize != 4096 || c.ZCommonPageSize != 4096 || !c.EnableNewDtags ||
		c.UnresolvedSymbols != "report-all" || c.ZText || c.ZNow || c.ZExecStack ||
		c.BuildID != "" || c.Threads != 0 || c.Init != "_init" || c.Fini != "_fini" ||
		c.Inputs != nil {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

const gccLib = "/usr/lib/gcc/x86_64-linux-gnu/12"
const crtDir = gccLib + "/../../../x86_64-linux-gnu"

var gccLibPaths = []string{
	gccLib,
	crtDir,
	gccLib + "/../../../../lib",
	"/lib/x86_64-linux-gnu",
	"/lib/../lib",
	"/usr/lib/x86_64-linux-gnu",
	"/usr/lib/../lib",
	gccLib + "/../../..",
}

func gccLPaths() []string {
	var a []string
	for _, p := range gccLibPaths {
		a = append(a, "-L"+p)
	}
	return a
}

func concat(parts ...[]string) []string {
	var a []string
	for _, p := range parts {
		a = append(a, p...)
	}
	return a
}

var gccPlugin = []string{
	"-plugin", gccLib + "/liblto_plugin.so",
	"-plugin-opt=" + gccLib + "/lto-wrapper",
	"-plugin-opt=-fresolution=/tmp/cc.res",
	"-plugin-opt=-pass-through=-lgcc",
	"-plugin-opt=-pass-through=-lgcc_s",
	"-plugin-opt=-pass-through=-lc",
	"-plugin-opt=-pass-through=-lgcc",
	"-plugin-opt=-pass-through=-lgcc_s",
}

func withGccCommon(c *Config) {
	c.Plugins = []string{gccLib + "/liblto_plugin.so"}
	c.PluginOpts = []string{
		gccLib + "/lto-wrapper",
		"-fresolution=/tmp/cc.res",
		"-pass-through=-lgcc",
		"-pass-through=-lgcc_s",
		"-pass-through=-lc",
		"-pass-through=-lgcc",
		"-pass-through=-lgcc_s",
	}
	c.BuildID = "tree"
	c.Emulation = "elf_x86_64"
	c.HashStyleSysv = false
	c.LibraryPath = gccLibPaths
}

func TestGCC(t *testing.T) {
	dynamic := concat(gccPlugin, split("--build-id --eh-frame-hdr -m elf_x86_64 --hash-style=gnu --as-needed -dynamic-linker /lib64/ld-linux-x86-64.so.2 -pie -o a.out"),
		[]string{crtDir + "/Scrt1.o", crtDir + "/crti.o", gccLib + "/crtbeginS.o"},
		gccLPaths(),
		split("main.o -lgcc --push-state --as-needed -lgcc_s --pop-state -lc -lgcc --push-state --as-needed -lgcc_s --pop-state"),
		[]string{gccLib + "/crtendS.o", crtDir + "/crtn.o"})

	static := concat(gccPlugin, split("--build-id -m elf_x86_64 --hash-style=gnu --as-needed -static -o a.out"),
		[]string{crtDir + "/crt1.o", crtDir + "/crti.o", gccLib + "/crtbeginT.o"},
		gccLPaths(),
		split("main.o --start-group -lgcc -lgcc_eh -lc --end-group"),
		[]string{gccLib + "/crtend.o", crtDir + "/crtn.o"})

	staticPIE := concat(gccPlugin, split("--build-id --eh-frame-hdr -m elf_x86_64 --hash-style=gnu --as-needed -static -pie --no-dynamic-linker -z text -o a.out"),
		[]string{crtDir + "/rcrt1.o", crtDir + "/crti.o", gccLib + "/crtbeginS.o"},
		gccLPaths(),
		split("main.o --start-group -lgcc -lgcc_eh -lc --end-group"),
		[]string{gccLib + "/crtendS.o", crtDir + "/crtn.o"})

	shared := concat(gccPlugin, split("--build-id --eh-frame-hdr -m elf_x86_64 --hash-style=gnu --as-needed -shared -o libfoo.so.1"),
		[]string{crtDir + "/crti.o", gccLib + "/crtbeginS.o"},
		gccLPaths(),
		split("-soname libfoo.so.1 foo.o -lgcc --push-state --as-needed -lgcc_s --pop-state -lc"),
		[]string{gccLib + "/crtendS.o", crtDir + "/crtn.o"})

	runParseCases(t, []parseCase{
		{"dynamic-pie", dynamic, with(func(c *Config) {
			withGccCommon(c)
			c.EhFrameHdr = true
			c.DynamicLinker = "/lib64/ld-linux-x86-64.so.2"
			c.OutputKind = PIE
			c.PIESet = true
			c.Inputs = []Input{
				in(InputFile, crtDir+"/Scrt1.o", "n"),
				in(InputFile, crtDir+"/crti.o", "n"),
				in(InputFile, gccLib+"/crtbeginS.o", "n"),
				in(InputFile, "main.o", "n"),
				in(InputLib, "gcc", "n"),
				in(InputLib, "gcc_s", "n"),
				in(InputLib, "c", "n"),
				in(InputLib, "gcc", "n"),
				in(InputLib, "gcc_s", "n"),
				in(InputFile, gccLib+"/crtendS.o", "n"),
				in(InputFile, crtDir+"/crtn.o", "n"),
			}
		})},
		{"static", static, with(func(c *Config) {
			withGccCommon(c)
			c.Static = true
			c.Inputs = []Input{
				in(InputFile, crtDir+"/crt1.o", "ns"),
				in(InputFile, crtDir+"/crti.o", "ns"),
				in(InputFile, gccLib+"/crtbeginT.o", "ns"),
				in(InputFile, "main.o", "ns"),
				groupStart("ns"),
				in(InputLib, "gcc", "ns"),
				in(InputLib, "gcc_eh", "ns"),
				in(InputLib, "c", "ns"),
				groupEnd("ns"),
				in(InputFile, gccLib+"/crtend.o", "ns"),
				in(InputFile, crtDir+"/crtn.o", "ns"),
			}
		})},
		{"static-pie", staticPIE, with(func(c *Config) {
			withGccCommon(c)
			c.EhFrameHdr = true
			c.Static = true
			c.OutputKind = PIE
			c.PIESet = true
			c.NoDynamicLinker = true
			c.ZText = true
			c.Inputs = []Input{
				in(InputFile, crtDir+"/rcrt1.o", "ns"),
				in(InputFile, crtDir+"/crti.o", "ns"),
				in(InputFile, gccLib+"/crtbeginS.o", "ns"),
				in(InputFile, "main.o", "ns"),
				groupStart("ns"),
				in(InputLib, "gcc", "ns"),
				in(InputLib, "gcc_eh", "ns"),
				in(InputLib, "c", "ns"),
				groupEnd("ns"),
				in(InputFile, gccLib+"/crtendS.o", "ns"),
				in(InputFile, crtDir+"/crtn.o", "ns"),
			}
		})},
		{"shared", shared, with(func(c *Config) {
			withGccCommon(c)
			c.EhFrameHdr = true
			c.OutputKind = Shared
			c.Output = "libfoo.so.1"
			c.Soname = "libfoo.so.1"
			c.Inputs = []Input{
				in(InputFile, crtDir+"/crti.o", "n"),
				in(InputFile, gccLib+"/crtbeginS.o", "n"),
				in(InputFile, "foo.o", "n"),
				in(InputLib, "gcc", "n"),
				in(InputLib, "gcc_s", "n"),
				in(InputLib, "c", "n"),
				in(InputFile, gccLib+"/crtendS.o", "n"),
				in(InputFile, crtDir+"/crtn.o", "n"),
			}
		})},
	})
}

func TestOutputKind(t *testing.T) {
	runParseCases(t, []parseCase{
		{"default", nil, defaultConfig()},
		{"-pie", split("-pie"), with(func(c *Config) { c.OutputKind, c.PIESet = PIE, true })},
		{"--pie", split("--pie"), with(func(c *Config) { c.OutputKind, c.PIESet = PIE, true })},
		{"--pic-executable", split("--pic-executable"), with(func(c *Config) { c.OutputKind, c.PIESet = PIE, true })},
		{"-no-pie", split("-no-pie"), with(func(c *Config) { c.OutputKind, c.PIESet = Exec, true })},
		{"--no-pie", split("--no-pie"), with(func(c *Config) { c.OutputKind, c.PIESet = Exec, true })},
		{"pie then no-pie", split("-pie -no-pie"), with(func(c *Config) { c.OutputKind, c.PIESet = Exec, true })},
		{"no-pie then pie", split("-no-pie -pie"), with(func(c *Config) { c.OutputKind, c.PIESet = PIE, true })},
		{"-shared", split("-shared"), with(func(c *Config) { c.OutputKind = Shared })},
		{"--shared", split("--shared"), with(func(c *Config) { c.OutputKind = Shared })},
		{"-Bshareable", split("-Bshareable"), with(func(c *Config) { c.OutputKind = Shared })},
		{"-shared -pie", split("-shared -pie"), with(func(c *Config) { c.OutputKind, c.PIESet = Shared, true })},
		{"-pie -shared", split("-pie -shared"), with(func(c *Config) { c.OutputKind, c.PIESet = Shared, true })},
		{"-static", split("-static"), with(func(c *Config) { c.Static = true })},
		{"--static", split("--static"), with(func(c *Config) { c.Static = true })},
		{"-static -pie", split("-static -pie"), with(func(c *Config) { c.Static, c.OutputKind, c.PIESet = true, PIE, true })},
		{"-static after inputs", split("a.o -static -lc"), with(func(c *Config) {
			c.Static = true
			c.Inputs = []Input{file("a.o"), in(InputLib, "c", "s")}
		})},
	})
}

func TestStaticFromBstatic(t *testing.T) {
	runParseCases(t, []parseCase{
		{"Bstatic first", split("-Bstatic a.o -lc"), with(func(c *Config) {
			c.Static = true
			c.Inputs = []Input{in(InputFile, "a.o", "s"), in(InputLib, "c", "s")}
		})},
		{"dn first", split("-dn a.o"), with(func(c *Config) {
			c.Static = true
			c.Inputs = []Input{in(InputFile, "a.o", "s")}
		})},
		{"non_shared first", split("-non_shared a.o"), with(func(c *Config) {
			c.Static = true
			c.Inputs = []Input{in(InputFile, "a.o", "s")}
		})},
		{"Bstatic after input", split("a.o -Bstatic -lfoo -Bdynamic -lc"), with(func(c *Config) {
			c.Inputs = []Input{file("a.o"), in(InputLib, "foo", "s"), lib("c")}
		})},
		{"Bstatic first then dynamic lib", split("-Bstatic a.o -lfoo -Bdynamic -lc"), with(func(c *Config) {
			c.Inputs = []Input{in(InputFile, "a.o", "s"), in(InputLib, "foo", "s"), lib("c")}
		})},
		{"Bstatic first, Bdynamic at end", split("-Bstatic a.o -lfoo -Bdynamic"), with(func(c *Config) {
			c.Static = true
			c.Inputs = []Input{in(InputFile, "a.o", "s"), in(InputLib, "foo", "s")}
		})},
		{"dy call_shared", split("-static -lfoo -dy -lbar -dn -lbaz -call_shared -lqux"), with(func(c *Config) {
			c.Static = true
			c.Inputs = []Input{in(InputLib, "foo", "s"), lib("bar"), in(InputLib, "baz", "s"), lib("qux")}
		})},
	})
}

func TestInputsAndPositionalState(t *testing.T) {
	runParseCases(t, []parseCase{
		{"libs", split("-lfoo -l bar --library=baz --library qux -l:libz.a -l :libw.so --library=:x.a"), with(func(c *Config) {
			c.Inputs = []Input{lib("foo"), lib("bar"), lib("baz"), lib("qux"),
				in(InputLibVerbatim, "libz.a", ""), in(InputLibVerbatim, "libw.so", ""), in(InputLibVerbatim, "x.a", "")}
		})},
		{"library paths", split("-L/a -L /b --library-path=/c --library-path /d -library-path=/e"), with(func(c *Config) {
			c.LibraryPath = []string{"/a", "/b", "/c", "/d", "/e"}
		})},
		{"files and dash", split("a.o - b.a"), with(func(c *Config) {
			c.Inputs = []Input{file("a.o"), file("-"), file("b.a")}
		})},
		{"double dash ends options", split("a.o -- -b.o --foo"), with(func(c *Config) {
			c.Inputs = []Input{file("a.o"), file("-b.o"), file("--foo")}
		})},
		{"as-needed", split("-la --as-needed -lb -as-needed b.o --no-as-needed -lc"), with(func(c *Config) {
			c.Inputs = []Input{lib("a"), in(InputLib, "b", "n"), in(InputFile, "b.o", "n"), lib("c")}
		})},
		{"whole-archive", split("--whole-archive a.a -lb --no-whole-archive c.a -whole-archive d.a"), with(func(c *Config) {
			c.Inputs = []Input{in(InputFile, "a.a", "w"), in(InputLib, "b", "w"), file("c.a"), in(InputFile, "d.a", "w")}
		})},
		{"groups", split("a.o --start-group -la -lb --end-group -( c.a -) -start-group d.a -end-group"), with(func(c *Config) {
			c.Inputs = []Input{file("a.o"), groupStart(""), lib("a"), lib("b"), groupEnd(""),
				groupStart(""), file("c.a"), groupEnd(""), groupStart(""), file("d.a"), groupEnd("")}
		})},
		{"push pop", split("--as-needed -la --push-state --no-as-needed --whole-archive -Bstatic -lb --pop-state -lc"), with(func(c *Config) {
			c.Inputs = []Input{in(InputLib, "a", "n"), in(InputLib, "b", "ws"), in(InputLib, "c", "n")}
		})},
		{"nested push pop", split("--push-state --as-needed --push-state --whole-archive -la --pop-state -lb --pop-state -lc"), with(func(c *Config) {
			c.Inputs = []Input{in(InputLib, "a", "nw"), in(InputLib, "b", "n"), lib("c")}
		})},
		{"push without pop", split("--push-state --as-needed -la"), with(func(c *Config) {
			c.Inputs = []Input{in(InputLib, "a", "n")}
		})},
		{"scripts", split("-T a.ld -Tb.ld --script=c.ld --script d.ld -script e.ld -script=f.ld"), with(func(c *Config) {
			c.Scripts = []string{"a.ld", "b.ld", "c.ld", "d.ld", "e.ld", "f.ld"}
		})},
		{"sysroot", split("--sysroot=/sr"), with(func(c *Config) { c.Sysroot = "/sr" })},
		{"sysroot separate", split("--sysroot /sr"), with(func(c *Config) { c.Sysroot = "/sr" })},
	})
}

func TestOptionSpellings(t *testing.T) {
	runParseCases(t, []parseCase{
		{"-o joined", split("-ofoo"), with(func(c *Config) { c.Output = "foo" })},
		{"-o separate", split("-o foo"), with(func(c *Config) { c.Output = "foo" })},
		{"--output", split("--output=foo"), with(func(c *Config) { c.Output = "foo" })},
		{"-omagic is -o", split("-omagic"), with(func(c *Config) { c.Output = "magic" })},
		{"-o value starting with dash", split("-o -lfoo"), with(func(c *Config) { c.Output = "-lfoo" })},
		{"entry", split("-e main"), with(func(c *Config) { c.Entry = "main" })},
		{"entry joined", split("-emain"), with(func(c *Config) { c.Entry = "main" })},
		{"--entry", split("--entry=main"), with(func(c *Config) { c.Entry = "main" })},
		{"-entry", split("-entry main"), with(func(c *Config) { c.Entry = "main" })},
		{"undefined", split("-u a -ub --undefined=c --undefined d -undefined e"), with(func(c *Config) {
			c.Undefined = []string{"a", "b", "c", "d", "e"}
		})},
		{"soname", split("-soname libx.so"), with(func(c *Config) { c.Soname = "libx.so" })},
		{"--soname=", split("--soname=libx.so"), with(func(c *Config) { c.Soname = "libx.so" })},
		{"-soname=", split("-soname=libx.so"), with(func(c *Config) { c.Soname = "libx.so" })},
		{"-h", split("-h libx.so"), with(func(c *Config) { c.Soname = "libx.so" })},
		{"-h joined", split("-hlibx.so"), with(func(c *Config) { c.Soname = "libx.so" })},
		{"rpath", split("-rpath /a -R /b -R/c --rpath=/d -rpath /a -rpath=/e"), with(func(c *Config) {
			c.Rpath = []string{"/a", "/b", "/c", "/d", "/e"}
		})},
		{"rpath-link", split("-rpath-link /a --rpath-link=/b -rpath-link=/a"), with(func(c *Config) {
			c.RpathLink = []string{"/a", "/b", "/a"}
		})},
		{"dynamic-linker", split("-dynamic-linker /ld.so"), with(func(c *Config) { c.DynamicLinker = "/ld.so" })},
		{"--dynamic-linker=", split("--dynamic-linker=/ld.so"), with(func(c *Config) { c.DynamicLinker = "/ld.so" })},
		{"-I", split("-I/ld.so"), with(func(c *Config) { c.DynamicLinker = "/ld.so" })},
		{"-I separate", split("-I /ld.so"), with(func(c *Config) { c.DynamicLinker = "/ld.so" })},
		{"no-dynamic-linker", split("--no-dynamic-linker"), with(func(c *Config) { c.NoDynamicLinker = true })},
		{"init fini", split("-init myinit -fini myfini"), with(func(c *Config) { c.Init, c.Fini = "myinit", "myfini" })},
		{"--init= --fini=", split("--init=a --fini=b"), with(func(c *Config) { c.Init, c.Fini = "a", "b" })},
		{"emulation", split("-m elf_x86_64"), with(func(c *Config) { c.Emulation = "elf_x86_64" })},
		{"emulation joined", split("-melf_x86_64"), with(func(c *Config) { c.Emulation = "elf_x86_64" })},
		{"trace symbols", split("-y foo -ybar --trace-symbol=baz"), with(func(c *Config) {
			c.TraceSymbols = []string{"foo", "bar", "baz"}
		})},
		{"trace", split("-t"), with(func(c *Config) { c.Trace = true })},
		{"--trace", split("--trace"), with(func(c *Config) { c.Trace = true })},
		{"Map", split("-Map out.map"), with(func(c *Config) { c.MapFile = "out.map" })},
		{"--Map=", split("--Map=out.map"), with(func(c *Config) { c.MapFile = "out.map" })},
		{"-Map=", split("-Map=out.map"), with(func(c *Config) { c.MapFile = "out.map" })},
		{"plugin", split("-plugin p.so -plugin-opt=a -plugin-opt b --plugin-opt=c --plugin=q.so"), with(func(c *Config) {
			c.Plugins = []string{"p.so", "q.so"}
			c.PluginOpts = []string{"a", "b", "c"}
		})},
		{"plugin-opt value with dash", split("-plugin-opt -fresolution=x"), with(func(c *Config) {
			c.PluginOpts = []string{"-fresolution=x"}
		})},
		{"wrap", split("--wrap=malloc --wrap free -wrap=calloc"), with(func(c *Config) {
			c.Wrap = []string{"malloc", "free", "calloc"}
		})},
		{"defsym", split("--defsym=a=b --defsym c=0x10 -defsym d=e+4 --defsym=f=g=h"), with(func(c *Config) {
			c.Defsym = []Defsym{{"a", "b"}, {"c", "0x10"}, {"d", "e+4"}, {"f", "g=h"}}
		})},
		{"dynamic-list version-script", split("--dynamic-list=a.list --dynamic-list b.list --version-script=v.map -version-script w.map"), with(func(c *Config) {
			c.DynamicList = []string{"a.list", "b.list"}
			c.VersionScripts = []string{"v.map", "w.map"}
		})},
		{"export-dynamic", split("--export-dynamic"), with(func(c *Config) { c.ExportDynamic = true })},
		{"-export-dynamic", split("-export-dynamic"), with(func(c *Config) { c.ExportDynamic = true })},
		{"-E", split("-E"), with(func(c *Config) { c.ExportDynamic = true })},
		{"no-export-dynamic", split("-E --no-export-dynamic"), defaultConfig()},
		{"Bsymbolic", split("-Bsymbolic -Bsymbolic-functions"), with(func(c *Config) {
			c.Bsymbolic, c.BsymbolicFunctions = true, true
		})},
		{"undefined handling", split("--no-undefined --allow-shlib-undefined --unresolved-symbols=ignore-all"), with(func(c *Config) {
			c.NoUndefined, c.AllowShlibUndefined, c.UnresolvedSymbols = true, true, "ignore-all"
		})},
		{"no-allow-shlib-undefined", split("--allow-shlib-undefined --no-allow-shlib-undefined"), defaultConfig()},
		{"unresolved-symbols separate", split("--unresolved-symbols ignore-in-shared-libs"), with(func(c *Config) {
			c.UnresolvedSymbols = "ignore-in-shared-libs"
		})},
		{"relax", split("--no-relax"), with(func(c *Config) { c.NoRelax = true })},
		{"no-fork", split("--no-fork"), with(func(c *Config) { c.Fork = ForkNever })},
		{"fork", split("--no-fork --fork"), with(func(c *Config) { c.Fork = ForkAlways })},
		{"relax again", split("--no-relax --relax"), defaultConfig()},
		{"gc-sections", split("--gc-sections --print-gc-sections"), with(func(c *Config) {
			c.GCSections, c.PrintGCSections = true, true
		})},
		{"no-gc-sections", split("--gc-sections --print-gc-sections --no-gc-sections --no-print-gc-sections"), defaultConfig()},
		{"eh-frame-hdr", split("--eh-frame-hdr"), with(func(c *Config) { c.EhFrameHdr = true })},
		{"no-eh-frame-hdr", split("--eh-frame-hdr --no-eh-frame-hdr"), defaultConfig()},
		{"new dtags", split("--disable-new-dtags"), with(func(c *Config) { c.EnableNewDtags = false })},
		{"new dtags again", split("--disable-new-dtags --enable-new-dtags"), defaultConfig()},
		{"strip", split("--strip-all --strip-debug --discard-all --discard-locals"), with(func(c *Config) {
			c.StripAll, c.StripDebug, c.DiscardAll, c.DiscardLocals = true, true, true, true
		})},
		{"strip short", split("-s -S -x -X"), with(func(c *Config) {
			c.StripAll, c.StripDebug, c.DiscardAll, c.DiscardLocals = true, true, true, true
		})},
		{"short cluster", split("-sx"), with(func(c *Config) { c.StripAll, c.DiscardAll = true, true })},
		{"short cluster with arg", split("-sofoo"), with(func(c *Config) { c.StripAll, c.Output = true, "foo" })},
		{"warnings", split("--fatal-warnings --warn-common --noinhibit-exec"), with(func(c *Config) {
			c.FatalWarnings, c.WarnCommon, c.NoinhibitExec = true, true, true
		})},
		{"no-fatal-warnings", split("--fatal-warnings --no-fatal-warnings"), defaultConfig()},
		{"reports", split("--stats --time --print-reloc-table --print-tls-table"), with(func(c *Config) {
			c.Stats, c.Time, c.PrintRelocTable, c.PrintTLSTable = true, true, true, true
		})},
		{"threads=N", split("--threads=4"), with(func(c *Config) { c.Threads = 4 })},
		{"threads", split("--no-threads --threads"), defaultConfig()},
		{"threads does not take next arg", split("--threads 4"), with(func(c *Config) { c.Inputs = []Input{file("4")} })},
		{"no-threads", split("--no-threads"), with(func(c *Config) { c.Threads = 1 })},
		{"ignored", split("-EL -nostdlib -O1 -O 2 --color-diagnostics --color-diagnostics=always --no-undefined-version --undefined-version --verbose"), defaultConfig()},
		{"version", split("--version"), with(func(c *Config) { c.Version = true })},
		{"-v", split("-v"), with(func(c *Config) { c.Version, c.VersionOnly = true, true })},
		{"-V", split("-V"), with(func(c *Config) { c.Version, c.VersionOnly = true, true })},
		{"help", split("--help"), with(func(c *Config) { c.Help = true })},
		{"-help", split("-help"), with(func(c *Config) { c.Help = true })},
		{"prefix abbreviation", split("--export-dyn --whole a.a"), with(func(c *Config) {
			c.ExportDynamic = true
			c.Inputs = []Input{in(InputFile, "a.a", "w")}
		})},
		{"prefix abbreviation with value", split("--hash=sysv"), with(func(c *Config) { c.HashStyleGNU = false })},
	})
}

func TestBuildIDAndHashStyle(t *testing.T) {
	runParseCases(t, []parseCase{
		{"build-id", split("--build-id"), with(func(c *Config) { c.BuildID = "tree" })},
		{"build-id does not take next arg", split("--build-id md5"), with(func(c *Config) {
			c.BuildID = "tree"
			c.Inputs = []Input{file("md5")}
		})},
		{"build-id=md5", split("--build-id=md5"), with(func(c *Config) { c.BuildID = "md5" })},
		{"build-id=uuid", split("-build-id=uuid"), with(func(c *Config) { c.BuildID = "uuid" })},
		{"build-id=fast", split("--build-id=fast"), with(func(c *Config) { c.BuildID = "fast" })},
		{"build-id=tree", split("--build-id=tree"), with(func(c *Config) { c.BuildID = "tree" })},
		{"build-id=none", split("--build-id --build-id=none"), with(func(c *Config) { c.BuildID = "none" })},
		{"build-id=hex", split("--build-id=0xdeadBEEF"), with(func(c *Config) { c.BuildID = "0xdeadBEEF" })},
		{"hash gnu", split("--hash-style=gnu"), with(func(c *Config) { c.HashStyleSysv = false })},
		{"hash sysv", split("-hash-style=sysv"), with(func(c *Config) { c.HashStyleGNU = false })},
		{"hash both", split("--hash-style=gnu --hash-style both"), defaultConfig()},
		{"hash last wins", split("--hash-style=sysv --hash-style=gnu"), with(func(c *Config) { c.HashStyleSysv = false })},
	})
}

func TestZKeywords(t *testing.T) {
	runParseCases(t, []parseCase{
		{"relro now", split("-z norelro -z now"), with(func(c *Config) { c.ZRelro, c.ZNow = false, true })},
		{"joined", split("-znorelro -znow"), with(func(c *Config) { c.ZRelro, c.ZNow = false, true })},
		{"relro again", split("-z norelro -z relro -z now -z lazy"), defaultConfig()},
		{"execstack", split("-z execstack"), with(func(c *Config) { c.ZExecStack = true })},
		{"noexecstack", split("-z execstack -z noexecstack"), with(func(c *Config) { c.ZNoExecStackSet = true })},
		{"relocatable", split("-r"), with(func(c *Config) { c.Relocatable = true })},
		{"separate-code", split("-z noseparate-code"), with(func(c *Config) { c.ZSeparateCode = false })},
		{"separate-code again", split("-z noseparate-code -z separate-code"), defaultConfig()},
		{"text", split("-z text"), with(func(c *Config) { c.ZText = true })},
		{"notext", split("-z text -z notext"), defaultConfig()},
		{"defs", split("-z defs"), with(func(c *Config) { c.NoUndefined = true })},
		{"undefs", split("--no-undefined -z undefs"), defaultConfig()},
		{"dt flags", split("-z nodelete -z nocopyreloc -z origin -z initfirst -z nodlopen -z interpose"), with(func(c *Config) {
			c.ZNodelete, c.ZNocopyreloc, c.ZOrigin, c.ZInitfirst, c.ZNodlopen, c.ZInterpose = true, true, true, true, true, true
		})},
		{"page sizes", split("-z max-page-size=0x200000 -z common-page-size=65536"), with(func(c *Config) {
			c.ZMaxPageSize, c.ZMaxPageSizeSet, c.ZCommonPageSize = 0x200000, true, 65536
		})},
		{"page size joined", split("-zmax-page-size=16384"), with(func(c *Config) { c.ZMaxPageSize, c.ZMaxPageSizeSet = 16384, true })},
		{"ignored", split("-z noexecheap -z combreloc -z nocombreloc -z ibt -z shstk -z ibtplt -z cet-report=error " +
			"-z x86-64-baseline -z x86-64-v2 -z x86-64-v3 -z x86-64-v4 -z noextern-protected-data " +
			"-z dynamic-undefined-weak -z nodynamic-undefined-weak -z globalaudit -z mark-plt -z nomark-plt " +
			"-z pack-relative-relocs -z nopack-relative-relocs -z start-stop-gc -z nostart-stop-gc -z lam-u48 -z lam-report=warning"), defaultConfig()},
	})
}

func TestErrors(t *testing.T) {
	cases := []struct {
		args string
		want string
	}{
		{"-foo", "unknown option: -foo"},
		{"--foo", "unknown option: --foo"},
		{"--foo=bar", "unknown option: --foo=bar"},
		{"-static-pie", "unknown option: -static-pie"},
		{"-Bfoo", "unknown option: -Bfoo"},
		{"-o", "option -o requires an argument"},
		{"a.o -L", "option -L requires an argument"},
		{"-l", "option -l requires an argument"},
		{"-soname", "option -soname requires an argument"},
		{"--soname", "option --soname requires an argument"},
		{"-z", "option -z requires an argument"},
		{"-so", "option -o requires an argument"},
		{"--gc-sections=yes", "option --gc-sections does not take an argument"},
		{"-static=1", "option -static does not take an argument"},
		{"--no-a", "ambiguous option: --no-a"},
		{"-EB", "big-endian output is not supported"},
		{"-Ttext=0x1000", "option -Ttext is not supported"},
		{"-z foo", "unknown -z option: foo"},
		{"-zfoo", "unknown -z option: foo"},
		{"-z cet-report=", "unknown -z option: cet-report="},
		{"-z muldefs", "-z muldefs is not supported"},
		{"-z max-page-size=3000", `invalid -z max-page-size value: "3000"`},
		{"-z max-page-size=0", `invalid -z max-page-size value: "0"`},
		{"-z common-page-size=zz", `invalid -z common-page-size value: "zz"`},
		{"--defsym foo", "missing '='"},
		{"--defsym==1", "missing symbol name"},
		{"--defsym=a=", "missing expression"},
		{"--hash-style=foo", "invalid --hash-style"},
		{"--build-id=sha256", "invalid --build-id style"},
		{"--build-id=0x", "invalid --build-id style"},
		{"--build-id=0xzz", "invalid --build-id style"},
		{"--unresolved-symbols=whatever", "invalid --unresolved-symbols method"},
		{"--threads=-1", "invalid --threads value"},
		{"--threads=x", "invalid --threads value"},
		{"--pop-state", "--pop-state without matching --push-state"},
		{"--push-state --pop-state --pop-state", "--pop-state without matching --push-state"},
		{"--start-group -la", "--start-group without matching --end-group"},
		{"-( -la", "--start-group without matching --end-group"},
		{"--end-group", "--end-group without matching --start-group"},
		{"-)", "-) without matching --start-group"},
		{"--start-group --start-group", "groups may not be nested"},
		{"-l :", "empty library name"},
		{"--library=", "empty library name"},
	}
	for _, tc := range cases {
		t.Run(tc.args, func(t *testing.T) {
			c, err := Parse(split(tc.args))
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error containing %q", tc.args, c, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tc.args, err, tc.want)
			}
			if strings.HasPrefix(err.Error(), "rivet:") {
				t.Errorf("error %q has a rivet: prefix", err)
			}
			if c != nil {
				t.Errorf("Parse(%q) returned a Config with an error", tc.args)
			}
		})
	}
}

func TestSplitResponseFile(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  \n\t ", nil},
		{"a b\tc\nd\r\ne\v\ff", []string{"a", "b", "c", "d", "e", "f"}},
		{"  lead trail  ", []string{"lead", "trail"}},
		{`'a b' "c d"`, []string{"a b", "c d"}},
		{`x'a b'y"c"z`, []string{"xa byc" + "z"}},
		{`'it"s' "it's"`, []string{`it"s`, "it's"}},
		{`a\ b c\\d \'e\' \"f\"`, []string{"a b", `c\d`, "'e'", `"f"`}},
		{`'a\'b' "c\"d" 'e\\f'`, []string{"a'b", `c"d`, `e\f`}},
		{`'' ""`, []string{"", ""}},
		{"'multi\nline'", []string{"multi\nline"}},
		{`'unterminated quote`, []string{"unterminated quote"}},
		{`trailing\`, []string{"trailing"}},
		{"a\\\nb", []string{"a\nb"}},
		{`-o "out file" -L'/my dir'`, []string{"-o", "out file", "-L/my dir"}},
	}
	for _, tc := range cases {
		got := splitResponseFile(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitResponseFile(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResponseFiles(t *testing.T) {
	dir := t.TempDir()
	outer := filepath.Join(dir, "outer.rsp")
	inner := filepath.Join(dir, "inner file.rsp")
	empty := filepath.Join(dir, "empty.rsp")
	writeFile(t, inner, `-L'/lib dir' "spaced name.o" b\ c.o`+"\n")
	writeFile(t, empty, " \n ")
	writeFile(t, outer, `-o 'my out' --as-needed @`+strings.ReplaceAll(inner, " ", `\ `)+` -lm @`+empty+"\n-pie\n")

	got, err := Parse([]string{"first.o", "@" + outer, "last.o"})
	if err != nil {
		t.Fatal(err)
	}
	want := with(func(c *Config) {
		c.Output = "my out"
		c.OutputKind, c.PIESet = PIE, true
		c.LibraryPath = []string{"/lib dir"}
		c.Inputs = []Input{file("first.o"), in(InputFile, "spaced name.o", "n"), in(InputFile, "b c.o", "n"),
			in(InputLib, "m", "n"), in(InputFile, "last.o", "n")}
	})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	// Unreadable @files stay literal arguments: here they become inputs.
	missing := "@" + filepath.Join(dir, "missing.rsp")
	got, err = Parse([]string{missing, "@" + dir, "@"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Input{file(missing), file("@" + dir), file("@")}; !reflect.DeepEqual(got.Inputs, want) {
		t.Errorf("inputs = %+v, want %+v", got.Inputs, want)
	}

	// A response file naming itself nests without end.
	self := filepath.Join(dir, "self.rsp")
	writeFile(t, self, "a.o @"+self)
	if _, err := Parse([]string{"@" + self}); err == nil || !strings.Contains(err.Error(), "nested more than 64 levels") {
		t.Errorf("self-referencing response file: err = %v", err)
	}

	// Exactly 64 levels of nesting are fine; 65 are not.
	chain := func(levels int) string {
		sub := t.TempDir()
		last := filepath.Join(sub, "0.rsp")
		writeFile(t, last, "deep.o")
		for i := 1; i < levels; i++ {
			next := filepath.Join(sub, strings.Repeat("x", i)+".rsp")
			writeFile(t, next, "@"+last)
			last = next
		}
		return "@" + last
	}
	got, err = Parse([]string{chain(64)})
	if err != nil {
		t.Fatalf("64 levels: %v", err)
	}
	if want := []Input{file("deep.o")}; !reflect.DeepEqual(got.Inputs, want) {
		t.Errorf("64 levels: inputs = %+v", got.Inputs)
	}
	if _, err := Parse([]string{chain(65)}); err == nil {
		t.Errorf("65 levels: no error")
	}
}

func TestResponseFileOptionArgument(t *testing.T) {
	// An option's argument may come from the next response-file argument,
	// and an @file may itself be an option argument.
	mem := map[string]string{
		"a": "-o",
		"b": "out -soname\tlib.so",
	}
	read := func(name string) ([]byte, error) {
		s, ok := mem[name]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return []byte(s), nil
	}
	got, err := parse([]string{"@a", "@b"}, read)
	if err != nil {
		t.Fatal(err)
	}
	if got.Output != "out" || got.Soname != "lib.so" {
		t.Errorf("got Output %q Soname %q", got.Output, got.Soname)
	}
	_, err = parse([]string{"@a"}, read)
	if err == nil || err.Error() != "option -o requires an argument" {
		t.Errorf("err = %v", err)
	}
	_, err = parse([]string{"@a"}, func(string) ([]byte, error) { return nil, errors.New("boom") })
	if err != nil {
		t.Errorf("unreadable @a: %v", err)
	}
}

func TestUsage(t *testing.T) {
	u := Usage()
	for _, want := range []string{"-o FILE", "--output=FILE", "-soname NAME", "--build-id[=STYLE]", "-z KEYWORD",
		"--hash-style=STYLE", "--push-state", "-l NAME", "max-page-size=SIZE", "--help", "-plugin-opt ARG"} {
		if !strings.Contains(u, want) {
			t.Errorf("Usage() lacks %q", want)
		}
	}
	if strings.Contains(u, "Ttext") {
		t.Errorf("Usage() lists a hidden option")
	}
	for i := range optionTable {
		o := &optionTable[i]
		if o.help == "" {
			continue
		}
		if !strings.Contains(u, o.display(o.names[0])) {
			t.Errorf("Usage() lacks %q", o.display(o.names[0]))
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(u, "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			t.Errorf("Usage() has an empty line")
		}
	}
}

// Every option in the table must be reachable both with one and two dashes
// (except single letters, which are single-dash only, and names starting
// with 'o', which need two dashes).
func TestEveryLongOptionParses(t *testing.T) {
	for _, n := range longNames {
		o := longOptions[n]
		var args [][]string
		dashes := []string{"--"}
		if n[0] != 'o' {
			dashes = append(dashes, "-")
		}
		for _, d := range dashes {
			switch o.arg {
			case argRequired:
				args = append(args, []string{d + n, "a=1"})
			default:
				args = append(args, []string{d + n})
			}
		}
		for _, a := range args {
			_, err := Parse(a)
			if err != nil && !strings.Contains(err.Error(), "not supported") &&
				!strings.Contains(err.Error(), "invalid") && !strings.Contains(err.Error(), "unknown -z") &&
				!strings.Contains(err.Error(), "without matching") {
				t.Errorf("Parse(%q): %v", a, err)
			}
		}
	}
}
