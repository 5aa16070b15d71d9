/*
 * Copyright (c) 2023, 2025 Oracle and/or its affiliates.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/*
 * Resident's patch of this Helidon 4.5.0 class (helidon-http, same package, so it comes first on
 * the class path from resident.jar), rewritten from its byte code. The one change: the list of
 * values is made whole before it is published. Helidon's assigned an empty list to the field and
 * then added the value, so two threads reading a header constant that many requests share (such
 * as the one WsUpgrader checks every upgrade's Connection against) for the first time at once
 * could see the list while it was being filled: a ConcurrentModificationException, a 500 for a
 * WebSocket upgrade of a fresh process (bench smoke, 29 Nov). HelidonPatchTest fails when the
 * Helidon on the class path is not the version this copy was taken from, or when this copy is not
 * the one loaded.
 */
package io.helidon.http;

import java.util.ArrayList;
import java.util.List;

class HeaderValueSingle extends HeaderWritableValueBase {
    private final String value;
    /** Null until asked for or added to; assigned only once filled. */
    private volatile List<String> values;

    HeaderValueSingle(HeaderName name, boolean changing, boolean sensitive, String value) {
        super(name, changing, sensitive, value);
        this.value = value;
    }

    @Override
    public HeaderWriteable addValue(String value) {
        allValues().add(value); // a header being written belongs to one request
        return this;
    }

    @Override
    public List<String> allValues() {
        List<String> list = values;
        if (list == null) {
            list = new ArrayList<>(2);
            list.add(value);
            values = list; // published whole: a reader at the same time makes and returns its own
        }
        return list;
    }

    @Override
    public int valueCount() {
        List<String> list = values;
        return list == null ? 1 : list.size();
    }
}
