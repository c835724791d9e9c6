"""The one error type a user can act on: a model file this package cannot read or rebuild."""


class ModelError(Exception):
    """A problem with the user's model (unsupported layer, missing shard, bad JSON).

    Anything else raised from this package is a bug. str() is the message alone; `one_line()`
    (file: message — hint) is what a CLI prints.
    """

    def __init__(self, message, file=None, layer=None, hint=None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.layer = layer
        self.hint = hint

    def one_line(self):
        where = f'{self.file}: ' if self.file else ''
        hint = f' — {self.hint}' if self.hint else ''
        return f'{where}{self.message}{hint}'

    def to_dict(self):
        """Serializable form, for a worker protocol."""
        return {k: v for k, v in (('message', self.message), ('file', self.file), ('layer', self.layer), ('hint', self.hint)) if v is not None}
