// Command samspill is the case-management system for Norwegian regional
// business-development cooperations: one web server with pages, a JSON API and
// an embedded database. Its subcommands live in app/cli.
package main

import (
	"os"

	"samspill/app/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
