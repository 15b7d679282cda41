module rivet.example/gocgo

go 1.22
