"""Municipal plans as data: a human-edited YAML file per plan, validated with pydantic, errors naming the line."""
