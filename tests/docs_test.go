// Documentation: every exported identifier has a doc comment starting with its name, every file
// states its purpose in its first line.

package tests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// documentedPackages are the directories whose exported API must be fully documented.
var documentedPackages = []string{"components", "components/apimpolicy", "components/naming", "components/netrules", "components/outputs", "components/pki", "components/privatelink", "stacks", "stacks/config", "internal/harness", "internal/rehearsal", "internal/export", "internal/testreport", "verify", "review", "policy/pack", "deployments/settings"}

// TestExportedIdentifiersAreDocumented checks doc comments on exported types, functions, methods,
// constants, variables and struct fields (component outputs and Args fields among them).
func TestExportedIdentifiersAreDocumented(t *testing.T) {
	t.Parallel()
	for _, dir := range documentedPackages {
		files := parseDir(t, filepath.Join(projectDir, dir), isSourceFile)
		for name, file := range files {
			for _, declaration := range file.Decls {
				for _, missing := range undocumented(declaration) {
					t.Errorf("%s: %s has no doc comment starting with its name", name, missing)
				}
			}
		}
	}
}

// TestEveryFileStatesItsPurpose checks that every Go file opens with a comment line.
func TestEveryFileStatesItsPurpose(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir(projectDir, func(path string, entry os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entry.IsDir() && (strings.HasPrefix(entry.Name(), ".") && path != projectDir || entry.Name() == "testdata") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".go") {
			text, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(text), "// "), "%s must start with a comment stating its purpose", path)
		}
		return nil
	})
	require.NoError(t, err)
}

// isSourceFile reports whether a file name is a Go source file, not a test.
func isSourceFile(name string) bool { return strings.HasSuffix(name, ".go") && !isTestFile(name) }

// isTestFile reports whether a file name is a Go test file.
func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.go") }

// parseDir parses the Go files of dir that keep selects, with comments, by path.
func parseDir(t *testing.T, dir string, keep func(name string) bool) map[string]*ast.File {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	files := map[string]*ast.File{}
	fileSet := token.NewFileSet()
	for _, entry := range entries {
		if !keep(entry.Name()) {
			continue
		}
		path := filepath.Join(dir, entry.Name())
		file, err := parser.ParseFile(fileSet, path, nil, parser.ParseComments)
		require.NoError(t, err)
		files[path] = file
	}
	require.NotEmpty(t, files, dir)
	return files
}

// undocumented lists the exported identifiers of a declaration that lack a proper doc comment.
func undocumented(declaration ast.Decl) []string {
	var missing []string
	startsWith := func(doc *ast.CommentGroup, name string) bool {
		return doc != nil && strings.HasPrefix(doc.Text(), name+" ")
	}
	switch typed := declaration.(type) {
	case *ast.FuncDecl:
		if typed.Name.IsExported() && (typed.Recv == nil || receiverExported(typed.Recv)) && !startsWith(typed.Doc, typed.Name.Name) {
			missing = append(missing, "func "+typed.Name.Name)
		}
	case *ast.GenDecl:
		for _, spec := range typed.Specs {
			switch spec := spec.(type) {
			case *ast.TypeSpec:
				if !spec.Name.IsExported() {
					continue
				}
				doc := spec.Doc
				if doc == nil {
					doc = typed.Doc
				}
				if !startsWith(doc, spec.Name.Name) {
					missing = append(missing, "type "+spec.Name.Name)
				}
				if structType, ok := spec.Type.(*ast.StructType); ok {
					for _, field := range structType.Fields.List {
						for _, fieldName := range field.Names {
							if fieldName.IsExported() && field.Doc == nil {
								missing = append(missing, "field "+spec.Name.Name+"."+fieldName.Name)
							}
						}
					}
				}
			case *ast.ValueSpec:
				for _, name := range spec.Names {
					// A documented group (const ( ... ) with a doc comment) covers its members.
					if name.IsExported() && spec.Doc == nil && spec.Comment == nil && typed.Doc == nil {
						missing = append(missing, "value "+name.Name)
					}
				}
			}
		}
	}
	return missing
}

func receiverExported(receiver *ast.FieldList) bool {
	expression := receiver.List[0].Type
	if star, ok := expression.(*ast.StarExpr); ok {
		expression = star.X
	}
	identifier, ok := expression.(*ast.Ident)
	return ok && identifier.IsExported()
}

// TestBeforeYouDeployNamesRealSettings checks README's "Before you deploy" table: every setting it
// tells a first-time user to change is a setting the program reads, and every stack output it points
// to is one the program exports.
func TestBeforeYouDeployNamesRealSettings(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	require.NoError(t, err)
	section := regexp.MustCompile(`(?s)## Before you deploy\n(.*?)\n## `).FindSubmatch(readme)
	require.NotNil(t, section, "README has a Before you deploy section")
	paths := config.Paths()
	keys := 0
	for _, row := range strings.Split(string(section[1]), "\n") {
		cells := strings.Split(row, "|")
		if len(cells) < 4 || !strings.Contains(cells[2], "`") {
			continue
		}
		for _, quoted := range regexp.MustCompile("`([a-zA-Z.*]+)`").FindAllStringSubmatch(cells[2], -1) {
			name := quoted[1]
			if strings.HasSuffix(name, "*") {
				prefix := strings.TrimSuffix(name, "*")
				found := false
				for path := range paths {
					found = found || strings.HasPrefix(path, prefix)
				}
				assert.True(t, found, "%s names settings the program reads", name)
				continue
			}
			_, setting := paths[name]
			_, output := runStack(t, "prod").Outputs[name]
			_, optionalOutput := runStack(t, "prod", edgeAndData...).Outputs[name]
			assert.True(t, setting || output || optionalOutput, "%s is a setting or a stack output (of prod, or of prod with the optional systems)", name)
			keys++
		}
	}
	assert.GreaterOrEqual(t, keys, 8, "the table names the settings to change")
}
