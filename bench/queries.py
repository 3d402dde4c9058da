"""The operations of the bench, written from the SDL at run time.

The home-screen `me` query selects every section of the personal space that exists when the
bench runs (sections are added often): connections with a short first page, objects down to a
small depth. Edit the constants here to change what the home screen asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    is_enum_type,
    is_required_argument,
    is_scalar_type,
)

from schema.root import build_schema as build_strawberry_schema

# The home screen shows a few of each list.
HOME_SCREEN_FIRST = 3
# Sections that are not on the home screen (their own pages fetch them).
HOME_SCREEN_SKIP = {"dataAccessLog"}
# How deep below a section (or below a list's node) objects are expanded.
OBJECT_DEPTH = 2

ENTERPRISE_USCC = "91530102MA6K8R2Q1N"  # the demo company of `legal-rep`
SEARCH_QUERIES = ["社保卡", "开公司", "sbk", "身份证补办", "公积金提取", "营业执照", "出生登记", "医保报销"]
ASK_QUESTIONS = [
    "身份证丢了怎么补办？",
    "怎么提取住房公积金？",
    "社保卡怎么挂失？",
    "开餐馆要办什么证？",
    "新生儿怎么上户口？",
    "医保异地就医怎么备案？",
]


def current_schema() -> GraphQLSchema:
    """The schema as the code defines it now (not the possibly older schema.graphql)."""
    sdl = build_strawberry_schema(production=False).as_str()
    return build_schema(sdl, assume_valid_sdl=True)


def named_type(type_: object) -> GraphQLNamedType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    assert isinstance(type_, GraphQLNamedType)
    return type_


def _arguments(field: GraphQLField) -> str | None:
    """`(first: 3)` for lists, "" without arguments, None when a required argument has no value."""
    parts = []
    for name, arg in field.args.items():
        if name == "first":
            parts.append(f"first: {HOME_SCREEN_FIRST}")
        elif is_required_argument(arg):
            return None
    return f"({', '.join(parts)})" if parts else ""


def selection(type_: GraphQLNamedType, depth: int) -> str:
    """Every scalar of an object, and its objects down to `depth` more levels."""
    if not isinstance(type_, GraphQLObjectType):
        return "__typename"
    if type_.name.endswith("Connection") and "edges" in type_.fields:
        edge = named_type(type_.fields["edges"].type)
        assert isinstance(edge, GraphQLObjectType)
        node = named_type(edge.fields["node"].type)
        return f"totalCount edges {{ node {{ {selection(node, OBJECT_DEPTH)} }} }}"
    parts = []
    for name, field in type_.fields.items():
        args = _arguments(field)
        if args is None:
            continue
        target = named_type(field.type)
        if is_scalar_type(target) or is_enum_type(target):
            parts.append(name + args)
        elif depth > 0:
            parts.append(f"{name}{args} {{ {selection(target, depth - 1)} }}")
    return " ".join(parts) or "__typename"


def me_query(schema: GraphQLSchema) -> tuple[str, list[str]]:
    """The home-screen query and the sections it asks for."""
    space = named_type(schema.query_type.fields["me"].type) if schema.query_type else None
    assert isinstance(space, GraphQLObjectType)
    sections = []
    parts = []
    for name, field in space.fields.items():
        args = _arguments(field)
        if name in HOME_SCREEN_SKIP or args is None:
            continue
        target = named_type(field.type)
        sections.append(name)
        if is_scalar_type(target) or is_enum_type(target):
            parts.append(name)
        else:
            parts.append(f"{name}{args} {{ {selection(target, OBJECT_DEPTH)} }}")
    return "query HomeScreen { me { " + " ".join(parts) + " } }", sections


@dataclass(frozen=True)
class EnterpriseOperation:
    query: str | None
    note: str


def enterprise_query(schema: GraphQLSchema) -> EnterpriseOperation:
    """The enterprise space of the demo company, when the schema has one."""
    root = schema.query_type
    field = root.fields.get("enterprise") if root else None
    if field is None:
        return EnterpriseOperation(None, "no `enterprise` field in the schema yet")
    args = []
    for name, arg in field.args.items():
        if is_required_argument(arg):
            if named_type(arg.type).name not in ("String", "ID"):
                return EnterpriseOperation(None, f"`enterprise` takes {name}: {arg.type}; the bench cannot fill it")
            args.append(f'{name}: "{ENTERPRISE_USCC}"')
    target = named_type(field.type)
    arguments = f"({', '.join(args)})" if args else ""
    body = selection(target, OBJECT_DEPTH)
    if not isinstance(target, GraphQLObjectType):
        return EnterpriseOperation(None, f"`enterprise` returns {target.name}, not an object")
    # A space object: expand each of its sections like the personal space's.
    parts = []
    for name, sub in target.fields.items():
        sub_args = _arguments(sub)
        if sub_args is None:
            continue
        sub_target = named_type(sub.type)
        if is_scalar_type(sub_target) or is_enum_type(sub_target):
            parts.append(name)
        else:
            parts.append(f"{name}{sub_args} {{ {selection(sub_target, OBJECT_DEPTH)} }}")
    body = " ".join(parts) or body
    return EnterpriseOperation(f"query EnterpriseSpace {{ enterprise{arguments} {{ {body} }} }}", "")


def search_query(text: str) -> dict[str, object]:
    return {
        "query": "query Search($q: String!) { search(query: $q, first: 10) "
        "{ totalCount edges { node { kind score highlight "
        "serviceItem { code name department } faq { id question } } } } }",
        "variables": {"q": text},
    }


def ask_query(question: str) -> dict[str, object]:
    return {
        "query": "query Ask($q: String!) { ask(question: $q) "
        "{ answered confidence text faq { id question } relatedItems { code name } handoff { reason hotline } } }",
        "variables": {"q": question},
    }
