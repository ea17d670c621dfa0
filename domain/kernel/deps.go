package kernel

import (
	"fmt"
	"strings"
)

// Deps collects the dependencies a constructor found missing, so that its
// error names all of them at once.
type Deps struct{ missing []string }

// Need records name as missing unless given.
func (d *Deps) Need(name string, given bool) {
	if !given {
		d.missing = append(d.missing, name)
	}
}

// Err is nil when nothing is missing, else an error of constructor naming
// every missing dependency in the order they were checked.
func (d *Deps) Err(constructor string) error {
	if len(d.missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s required", constructor, strings.Join(d.missing, ", "))
}
