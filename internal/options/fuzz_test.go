package options

import (
	"io/fs"
	"strings"
	"testing"
)

// fuzzFiles is the file system the fuzzer's @file arguments see: reading the
// real one could block (@/dev/stdin) or never end (@/dev/zero).
var fuzzFiles = map[string]string{
	"rsp":   `-o 'out file' -L"/a b" x\ y.o -lc`,
	"self":  "a.o @self",
	"pair":  "@rsp @rsp",
	"quote": `'unterminated \`,
	"empty": "",
}

func fuzzRead(name string) ([]byte, error) {
	s, ok := fuzzFiles[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return []byte(s), nil
}

func FuzzParse(f *testing.F) {
	seeds := [][]string{
		{},
		{"-pie", "-o", "a.out", "main.o", "-lc"},
		concat(gccPlugin, split("--build-id --eh-frame-hdr -m elf_x86_64 --hash-style=gnu --as-needed -dynamic-linker /lib64/ld-linux-x86-64.so.2 -pie -o a.out Scrt1.o -L/usr/lib main.o -lgcc --push-state --as-needed -lgcc_s --pop-state -lc")),
		split("-static -pie --no-dynamic-linker -z text -o a.out rcrt1.o --start-group -lgcc -lgcc_eh -lc --end-group"),
		split("-shared -soname libx.so.1 -o libx.so.1 -z now -z relro -zmax-page-size=0x1000 x.o"),
		split("--defsym=a=b --defsym c=d --wrap=malloc -y foo -u bar -e main --threads=3 --build-id=0xabcd"),
		split("@rsp @self @pair @quote @empty @missing @"),
		split("-( a.a -) --start-group --end-group --pop-state --push-state -Bstatic -lfoo -Bdynamic"),
		split("-sofoo -omagic -soname -- -x --foo= -z -O"),
		{"--hash-style", "-l", ":", "-l:"},
	}
	for _, s := range seeds {
		f.Add(strings.Join(s, "\x00"))
	}
	f.Fuzz(func(t *testing.T, joined string) {
		var args []string
		if joined != "" {
			args = strings.Split(joined, "\x00")
		}
		c, err := parse(args, fuzzRead)
		if (c == nil) == (err == nil) {
			t.Fatalf("parse(%q) = %v, %v: want exactly one of Config and error", args, c, err)
		}
		if err != nil {
			return
		}
		depth := 0
		for _, in := range c.Inputs {
			switch in.Kind {
			case InputGroupStart:
				depth++
			case InputGroupEnd:
				depth--
			}
			if depth < 0 || depth > 1 {
				t.Fatalf("parse(%q): unbalanced groups in %+v", args, c.Inputs)
			}
		}
		if depth != 0 {
			t.Fatalf("parse(%q): unbalanced groups in %+v", args, c.Inputs)
		}
		if c.OutputKind > Shared {
			t.Fatalf("parse(%q): bad output kind %d", args, c.OutputKind)
		}
		if c.ZMaxPageSize == 0 || c.ZMaxPageSize&(c.ZMaxPageSize-1) != 0 {
			t.Fatalf("parse(%q): bad max page size %#x", args, c.ZMaxPageSize)
		}
	})
}
