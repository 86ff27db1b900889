// Loading: raw Pulumi config -> profile defaults -> explicit keys -> validation, all problems at once.

package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Load builds the stack configuration from the raw Pulumi config: every key of every namespace, as the
// Go language host passes it to the program in PULUMI_CONFIG, or as stacks.Options.Config hands it
// over (objects arrive JSON-encoded). Keys
// outside the project's namespace (azure-native:*, pulumi:*) are ignored; unknown keys inside it are
// problems, so a typo is never silently ignored. It returns the config together with a *Problems
// error listing every problem, or nil.
func Load(project, stack string, raw map[string]string) (*Config, error) {
	return LoadFor(project, stack, raw, Runner{})
}

// LoadFor is Load for a program running on runner: its environment is checked with the stack's
// configuration, in the same list of problems.
func LoadFor(project, stack string, raw map[string]string, runner Runner) (*Config, error) {
	problems := &problemList{project: project}
	cfg := &Config{Project: project, Stack: stack, Runner: runner}

	values := projectValues(project, raw, problems)
	environment := resolveEnvironment(stack, values, problems)
	decode(reflect.ValueOf(cfg).Elem(), nest(profile(environment)), "", problems)
	decode(reflect.ValueOf(cfg).Elem(), values, "", problems)
	cfg.Environment = environment
	if cfg.Network.Mode == NetworkExisting {
		// A brought network's address plan is what Azure reports (AdoptNetwork), never Pulumi.yaml's
		// defaults: no check or derived address may use those.
		cfg.Network.AddressSpace, cfg.Network.Subnets = "", Subnets{}
	}

	validate(cfg, problems)
	if len(problems.list) > 0 {
		return cfg, &Problems{Stack: stack, List: problems.list}
	}
	return cfg, nil
}

// projectValues picks the project's keys out of the raw config and decodes JSON objects and arrays.
func projectValues(project string, raw map[string]string, problems *problemList) map[string]any {
	values := map[string]any{}
	prefix := project + ":"
	for key, value := range raw {
		name, ok := strings.CutPrefix(key, prefix)
		if !ok {
			checkNamespace(project, key, value, problems)
			continue
		}
		trimmed := strings.TrimSpace(value)
		if strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
			var decoded any
			if err := json.Unmarshal([]byte(trimmed), &decoded); err != nil {
				problems.add(name, value, "is not valid JSON: %v", err)
				continue
			}
			values[name] = decoded
			continue
		}
		values[name] = value
	}
	return values
}

// providerNamespaces are the config namespaces of the engine and of the providers the program uses;
// their keys are theirs to check.
var providerNamespaces = []string{"pulumi", "azure-native", "kubernetes", "tls", "random"}

// checkNamespace reports a key whose namespace is not a provider's but is within two edits of the
// project's, such as apiplatfrom:namePrefix: the CLI accepts any namespace, so the setting would
// otherwise be ignored without a word.
func checkNamespace(project, key, value string, problems *problemList) {
	namespace, rest, found := strings.Cut(key, ":")
	if !found || slices.Contains(providerNamespaces, namespace) || editDistance(strings.ToLower(namespace), strings.ToLower(project)) > 2 {
		return
	}
	problems.list = append(problems.list, Problem{Key: key, Value: value, Message: fmt.Sprintf(
		"is in the namespace %s, which is neither this project's nor a provider's: did you mean %s:%s? Run `pulumi config rm %s` and set it again without the namespace",
		namespace, project, rest, key)})
}

// resolveEnvironment returns the profile named by `environment`, or by the stack name when the key is
// empty. An invalid choice is a problem; the dev profile is then used so the other checks still run.
func resolveEnvironment(stack string, values map[string]any, problems *problemList) Environment {
	value, _ := values["environment"].(string)
	delete(values, "environment")
	switch Environment(value) {
	case Development, Production:
		return Environment(value)
	case "":
		if Environment(stack) == Development || Environment(stack) == Production {
			return Environment(stack)
		}
		problems.add("environment", value,
			"is required for stack %q: set it to dev or prod (only stacks named dev or prod imply it)", stack)
	default:
		problems.add("environment", value, "must be dev or prod")
	}
	return Development
}

// nest turns dotted paths into nested objects: {"a.b": 1} -> {"a": {"b": 1}}.
func nest(flat map[string]any) map[string]any {
	nested := map[string]any{}
	for path, value := range flat {
		segments := strings.Split(path, ".")
		node := nested
		for _, segment := range segments[:len(segments)-1] {
			child, ok := node[segment].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[segment] = child
			}
			node = child
		}
		node[segments[len(segments)-1]] = value
	}
	return nested
}

// decode sets the fields of the struct dst from src, matching keys to json tags. Keys without a field
// are problems with a suggestion; values of the wrong type are problems naming the expected type.
// Fields absent from src keep their current value, which is how explicit keys override defaults.
func decode(dst reflect.Value, src map[string]any, path string, problems *problemList) {
	fields := jsonFields(dst.Type())
	for _, key := range slices.Sorted(maps.Keys(src)) {
		value := src[key]
		keyPath := joinPath(path, key)
		index, ok := fields[key]
		if !ok {
			problems.add(keyPath, render(value), "%s", unknownKeyMessage(dst.Type(), path, key))
			continue
		}
		field := dst.Field(index)
		if field.Kind() == reflect.Struct {
			object, ok := value.(map[string]any)
			if !ok {
				problems.add(keyPath, render(value), "must be an object with the keys %s (set one with `pulumi config set --path %s.<key> <value>`)",
					strings.Join(fieldNames(field.Type()), ", "), keyPath)
				continue
			}
			decode(field, object, keyPath, problems)
			continue
		}
		if field.Kind() == reflect.Map {
			decodeNamedObjects(field, value, keyPath, problems)
			continue
		}
		if field.Kind() == reflect.Slice && field.Type().Elem().Kind() == reflect.Struct {
			decodeObjectList(field, value, keyPath, problems)
			continue
		}
		if err := setLeaf(field, value); err != nil {
			problems.add(keyPath, render(value), "%v", err)
			problems.undecodable(keyPath)
		}
	}
}

// decodeNamedObjects fills a map of structs (named entries such as privateEndpoints.<name>.<key>) from
// an object of objects, replacing what was there: a stack lists its entries, defaults add none.
func decodeNamedObjects(field reflect.Value, value any, path string, problems *problemList) {
	entries, ok := value.(map[string]any)
	if !ok {
		problems.add(path, render(value), "must be an object of named entries (set one with `pulumi config set --path %s.<name>.<key> <value>`)", path)
		return
	}
	decoded := reflect.MakeMapWithSize(field.Type(), len(entries))
	for _, name := range slices.Sorted(maps.Keys(entries)) {
		entryPath := joinPath(path, name)
		object, ok := entries[name].(map[string]any)
		if !ok {
			problems.add(entryPath, render(entries[name]), "must be an object with the keys %s (set one with `pulumi config set --path %s.<key> <value>`)",
				strings.Join(fieldNames(field.Type().Elem()), ", "), entryPath)
			continue
		}
		entry := reflect.New(field.Type().Elem()).Elem()
		decode(entry, object, entryPath, problems)
		decoded.SetMapIndex(reflect.ValueOf(name), entry)
	}
	field.Set(decoded)
}

// decodeObjectList fills a list of structs (such as privateDns.centralZones, a list of {name, id}) from
// a list of objects, replacing what was there; entries are reported as <path>[<index>].
func decodeObjectList(field reflect.Value, value any, path string, problems *problemList) {
	items, ok := value.([]any)
	if !ok {
		problems.add(path, render(value), "must be a list of objects with the keys %s", strings.Join(fieldNames(field.Type().Elem()), ", "))
		return
	}
	decoded := reflect.MakeSlice(field.Type(), 0, len(items))
	for index, item := range items {
		itemPath := fmt.Sprintf("%s[%d]", path, index)
		object, ok := item.(map[string]any)
		if !ok {
			problems.add(itemPath, render(item), "must be an object with the keys %s", strings.Join(fieldNames(field.Type().Elem()), ", "))
			continue
		}
		entry := reflect.New(field.Type().Elem()).Elem()
		decode(entry, object, itemPath, problems)
		decoded = reflect.Append(decoded, entry)
	}
	field.Set(decoded)
}

// setLeaf converts a config value to the field's type. Pulumi passes top-level values as strings and
// values inside objects with their YAML types, so both forms are accepted.
func setLeaf(field reflect.Value, value any) error {
	switch field.Kind() {
	case reflect.String:
		text, ok := value.(string)
		if !ok {
			return fmt.Errorf("must be a string")
		}
		field.SetString(text)
	case reflect.Int:
		number, err := toInt(value)
		if err != nil {
			return err
		}
		field.SetInt(int64(number))
	case reflect.Bool:
		switch typed := value.(type) {
		case bool:
			field.SetBool(typed)
		case string:
			parsed, err := strconv.ParseBool(typed)
			if err != nil || (typed != "true" && typed != "false") {
				return fmt.Errorf("must be true or false")
			}
			field.SetBool(parsed)
		default:
			return fmt.Errorf("must be true or false")
		}
	case reflect.Slice:
		list, err := toStrings(value)
		if err != nil {
			return err
		}
		field.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("has an unsupported type %s", field.Type())
	}
	return nil
}

func toInt(value any) (int, error) {
	switch typed := value.(type) {
	case int:
		return typed, nil
	case float64:
		if typed == float64(int(typed)) {
			return int(typed), nil
		}
	case string:
		if number, err := strconv.Atoi(strings.TrimSpace(typed)); err == nil {
			return number, nil
		}
	}
	return 0, fmt.Errorf("must be a whole number")
}

func toStrings(value any) ([]string, error) {
	items, ok := value.([]any)
	if !ok {
		return nil, fmt.Errorf(`must be a list, e.g. ["1", "2", "3"]`)
	}
	list := make([]string, 0, len(items))
	for _, item := range items {
		switch typed := item.(type) {
		case string:
			list = append(list, typed)
		case float64:
			if typed != float64(int(typed)) {
				return nil, fmt.Errorf("must be a list of strings or whole numbers")
			}
			list = append(list, strconv.Itoa(int(typed)))
		default:
			return nil, fmt.Errorf("must be a list of strings or whole numbers")
		}
	}
	return list, nil
}

// unknownKeyMessage explains an unknown key and suggests the closest known one.
func unknownKeyMessage(structType reflect.Type, path, key string) string {
	if replacement, renamed := replacedKeys[joinPath(path, key)]; renamed {
		return replacement
	}
	names := fieldNames(structType)
	where := "a known key"
	if path != "" {
		where = "a known key of " + path
	}
	message := fmt.Sprintf("is not %s (known: %s)", where, strings.Join(names, ", "))
	if first, rest, dotted := strings.Cut(key, "."); dotted && path == "" && slices.Contains(names, first) {
		return message + fmt.Sprintf("; it looks like a nested setting set without --path: run `pulumi config rm %s` and `pulumi config set --path %s.%s <value>`", key, first, rest)
	}
	if suggestion := closest(key, names); suggestion != "" {
		message += fmt.Sprintf("; did you mean %s?", joinPath(path, suggestion))
	}
	return message
}

// replacedKeys are settings of earlier versions and what replaced them, so a stack file written for
// them gets the new key's name rather than a guess.
var replacedKeys = map[string]string{
	"perimeter.firewallEnabled": "was replaced by perimeter.egress: run `pulumi config rm --path perimeter.firewallEnabled` and " +
		"`pulumi config set --path perimeter.egress firewall` (true) or `none` (false); `hub` routes to a hub network's firewall",
}

// closest returns the candidate within edit distance 3 of key (case-insensitively), or "".
func closest(key string, candidates []string) string {
	best, bestDistance := "", 4
	for _, candidate := range candidates {
		if distance := editDistance(strings.ToLower(key), strings.ToLower(candidate)); distance < bestDistance {
			best, bestDistance = candidate, distance
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current := make([]int, len(b)+1)
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous = current
	}
	return previous[len(b)]
}

// jsonFields maps json tag names of a struct type to field indexes; fields tagged "-" are not config.
func jsonFields(structType reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range structType.NumField() {
		name, _, _ := strings.Cut(structType.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}

// fieldNames returns the config key names of a struct type, sorted.
func fieldNames(structType reflect.Type) []string {
	return slices.Sorted(maps.Keys(jsonFields(structType)))
}

// Paths returns every leaf setting path of the configuration (e.g. network.subnets.apiManagement) with
// its Go kind, so documentation and tests can check Pulumi.yaml against the struct.
func Paths() map[string]reflect.Kind {
	paths := map[string]reflect.Kind{}
	var walk func(reflect.Type, string)
	walk = func(structType reflect.Type, prefix string) {
		for name, index := range jsonFields(structType) {
			field := structType.Field(index)
			if field.Type.Kind() == reflect.Struct {
				walk(field.Type, joinPath(prefix, name))
				continue
			}
			paths[joinPath(prefix, name)] = field.Type.Kind()
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return paths
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// render shows a config value as the user wrote it: strings bare, everything else as JSON.
func render(value any) string {
	// Typed choices (WAFMode, ClusterTier, ...) are strings too: shown as written, not JSON-quoted.
	if text := reflect.ValueOf(value); text.IsValid() && text.Kind() == reflect.String {
		return text.String()
	}
	encoded, err := json.Marshal(value)
	if err != nil {
		return fmt.Sprint(value)
	}
	return string(encoded)
}
