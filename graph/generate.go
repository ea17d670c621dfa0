package graph

// The generated code (generated/, model/models_gen.go and the resolver
// skeletons in *.resolvers.go) comes from ../schema.graphqls and ../gqlgen.yml.
// Regenerate it from the repository root with
//
//	go generate ./graph/...
//
// gqlgen is a `tool` of go.mod, so this works offline after `go mod download`.
// No --config flag: gqlgen then walks up from graph/ to ../gqlgen.yml and runs
// from that folder, which is what the relative paths in the config expect
// (--config would keep the working directory graph/ and break them).

//go:generate go run ./codegen
