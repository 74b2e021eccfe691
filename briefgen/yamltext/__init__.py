"""Reading YAML as briefgen's writers mean it: site.yaml and every file's front matter.

    loader.py    parse_yaml_mapping: text -> a mapping with the line of every key, or problems
    scalars.py   StrictTextLoader: YAML 1.1's traps off (`NO` stays text, `12:30` is not 750)
    limits.py    the node graph checked before it becomes values: aliases, depth, keys given twice, tags
    syntax.py    characters and syntax YAML refuses, said in the writer's words
    problems.py  YamlSource, YamlProblem, and user text fit to quote in a message

It sits below config.py and content/, which both read YAML through loader.py.
"""
