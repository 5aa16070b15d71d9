// The one DOM helper of the demo and the admin view.

/**
 * A DOM element; text children are set as text, never parsed as HTML.
 * @param {string} tag
 * @param {Object<string, string | number | boolean>} attributes true sets an empty attribute, false none
 * @param {...(Node | string | number)} children
 * @returns {HTMLElement}
 */
export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) node.setAttribute(name, '');
    else if (value !== false) node.setAttribute(name, value);
  }
  node.append(...children.map(child => (child instanceof Node ? child : String(child))));
  return node;
}
