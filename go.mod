module github.com/rivet-linker/rivet

go 1.26.8

require (
	github.com/rogpeppe/go-internal v1.16.0
	golang.org/x/arch v0.32.0
	golang.org/x/sys v0.26.0
)

require golang.org/x/tools v0.26.0 // indirect
