"""The library's file-level import graph, drawn from its `use` items and paths: fails on an
import circle, or an import of an ancestor's mod.rs (an import that points upward)."""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            files[os.path.join(d, f)] = open(os.path.join(d, f)).read()

def module_of(path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ('mod', 'lib'):
        rel = rel[:-1]
    return rel  # [] is crate root

def file_of(mod):
    for cand in (os.path.join(root, *mod) + '.rs', os.path.join(root, *mod, 'mod.rs')):
        if cand in files:
            return cand
    if not mod:
        return os.path.join(root, 'lib.rs')
    return None

def resolve(path_mod, segs):
    """The deepest file a path reaches."""
    best = None
    for i in range(len(segs), -1, -1):
        f = file_of(segs[:i])
        if f:
            return f
    return best

edges = set()
why = {}
for path, text in files.items():
    me = module_of(path)
    # strip test modules and comments
    text = re.split(r'#\[cfg\((?:all\()?test', text)[0]
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'pub\((?:in [^)]*|crate|super|self)\)', 'pub', text)
    # inline `mod name {` blocks: `super` inside one names this file first
    inline = []
    for mm in re.finditer(r'\bmod\s+\w+\s*\{', text):
        depth, i = 0, mm.end() - 1
        while i < len(text):
            depth += {'{': 1, '}': -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        inline.append((mm.end(), i))
    for m in re.finditer(r'(?<![\w.])((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)*)(?=::|;|,|\s|\))', text):
        segs = m.group(1).split('::')
        nested = sum(1 for a, b in inline if a <= m.start() < b)
        while nested and segs[0] == 'super':
            segs = segs[1:] or ['self']
            nested -= 1
        base = list(me) if not path.endswith(('mod.rs', 'lib.rs')) else list(me)
        cur = list(me)
        # a non-mod file is module `me`; super from it is parent
        out = []
        if segs[0] == 'crate':
            cur = []
            segs = segs[1:]
        elif segs[0] == 'self':
            segs = segs[1:]
        while segs and segs[0] == 'super':
            cur = cur[:-1]
            segs = segs[1:]
        target = resolve(cur, cur + segs)
        if target and target != path:
            edges.add((path, target))
            why.setdefault((path, target), m.group(1))
    # `mod x;` + `pub use x::` imports from children
    for m in re.finditer(r'^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([a-z_]+)::', text, re.M):
        child = me + [m.group(1)]
        f = file_of(child)
        if f and f != path:
            edges.add((path, f))

def short(p): return os.path.relpath(p, root)
# cycles via DFS
graph = {}
for a, b in edges:
    graph.setdefault(a, set()).add(b)
cycles = set()
def dfs(node, stack, seen):
    for nxt in graph.get(node, ()):
        if nxt in stack:
            cyc = stack[stack.index(nxt):]
            cycles.add(tuple(sorted(short(c) for c in cyc)))
        elif nxt not in seen:
            seen.add(nxt)
            dfs(nxt, stack + [nxt], seen)
for n in list(graph):
    dfs(n, [n], {n})
upward = []
for a, b in sorted(edges):
    ma, mb = module_of(a), module_of(b)
    if b.endswith(('mod.rs', 'lib.rs')) and ma[:len(mb)] == mb and len(ma) > len(mb):
        upward.append((short(a), short(b)))
print(f'{len(files)} files, {len(edges)} imports between files')
print('circles:', len(cycles))
for c in sorted(cycles): print('  ', ' <-> '.join(c))
print('upward:', len(upward))
for a, b in upward: print('  ', a, '->', b, why.get((os.path.join(root,a), os.path.join(root,b))))
sys.exit(1 if cycles or upward else 0)
