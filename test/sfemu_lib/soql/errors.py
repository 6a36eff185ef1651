"""Query errors as Salesforce reports them.

SoqlError carries the HTTP status, errorCode and message; _fail() raises one
located at a character of the query ("ERROR at Row:1:Column:N" with a caret),
which is how every syntax and name error of the engine is worded.
"""


class SoqlError(Exception):
    """A query failure as Salesforce reports it: HTTP status, errorCode, message."""

    def __init__(self, error_code, message, status=400):
        super().__init__("%s: %s" % (error_code, message))
        self.error_code = error_code
        self.message = message
        self.status = status

    def body(self):
        return [{"message": self.message, "errorCode": self.error_code}]


def _located(text, pos, explanation):
    """Salesforce's query-error message: the line of the query, a caret under
    the offending column, its 1-based row/column, then the explanation."""
    pos = max(0, min(pos, len(text)))
    row = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    if end < 0:
        end = len(text)
    col = pos - start + 1
    return "\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s" % (
        text[start:end], " " * (col - 1), row, col, explanation)


def _fail(code, text, pos, explanation):
    raise SoqlError(code, _located(text, pos, explanation))


def _no_viable(text, pos, char):
    """The error for text no token starts with: `char` (or '<EOF>') at `pos`."""
    _fail("MALFORMED_QUERY", text, pos, "line %d:%d no viable alternative at character '%s'"
          % (text.count("\n", 0, pos) + 1, pos, char))


def _no_such_column(name, entity):
    return ("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be "
            "sure to append the '__c' after the custom field name. Please reference your WSDL or "
            "the describe call for the appropriate names." % (name, entity))


def _bad_relationship(name):
    return ("Didn't understand relationship '%s' in field path. If you are attempting to use a "
            "custom relationship, be sure to append the '__r' after the custom relationship name. "
            "Please reference your WSDL or the describe call for the appropriate names." % name)


def _bad_type(name):
    return ("sObject type '%s' is not supported. If you are attempting to use a custom object, be "
            "sure to append the '__c' after the entity name. Please reference your WSDL or the "
            "describe call for the appropriate names." % name)
