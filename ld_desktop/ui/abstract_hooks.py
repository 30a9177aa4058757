"""Abstract hooks on Qt classes. ``abc.ABCMeta`` cannot be mixed into a Qt class usefully:
Shiboken's metaclass builds the type without ``ABCMeta.__new__`` running, so nothing would
refuse a subclass that forgot a hook. :class:`HookMeta` is Shiboken's own metaclass taught
one thing: a class with a method still marked ``@abstractmethod`` cannot be instantiated
(``TypeError`` naming the missing hooks), as ``ABCMeta`` would do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    _QtMeta = type
else:
    _QtMeta = type(QObject)   # Shiboken.ObjectType, the metaclass of every Qt class


def abstract_hooks(cls: type) -> frozenset[str]:
    """The names of ``cls``'s methods still marked ``@abstractmethod``."""
    return frozenset(name for name in dir(cls)
                     if getattr(getattr(cls, name, None), "__isabstractmethod__", False))


class HookMeta(_QtMeta):
    """The metaclass of a Qt base class with abstract hooks (``metaclass=HookMeta``)."""

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> None:
        super().__init__(name, bases, namespace)
        cls.__abstract_hooks__ = abstract_hooks(cls)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        missing = cls.__abstract_hooks__
        if missing:
            raise TypeError(f"{cls.__name__} cannot be created without its hooks: "
                            + ", ".join(sorted(missing)))
        return super().__call__(*args, **kwargs)
